#!/bin/bash
# CPU time (task-clock: user + system of the process and all its children)
# of taper run -- /bin/true for two or more taper binaries, interleaved:
# ROUNDS rounds of `perf stat -r N` per binary, median of the rounds. On a
# busy 2-core host wall time swings by 2x between runs; CPU time of
# interleaved rounds moves by a few percent.
#
# Usage: bench/cpu.sh TAPER_BINARY... (ROUNDS=11 N=40 in the environment)
set -eu
ROUNDS="${ROUNDS:-11}"
N="${N:-40}"
WORK="$(mktemp -d /tmp/taper-bench-cpu-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT INT TERM
R="$WORK/rootfs"
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/tmp"
cp "$(command -v busybox)" "$R/bin/busybox"
ln -s busybox "$R/bin/true"
for r in $(seq "$ROUNDS"); do
	i=0
	for t in "$@"; do
		perf stat -x, -e task-clock -r "$N" "$t" run --rootfs "$R" -- /bin/true 2>&1 >/dev/null |
			awk -F, -v i="$i" '/task-clock/ {print i, $1}' >>"$WORK/cpu"
		i=$((i + 1))
	done
done
i=0
for t in "$@"; do
	awk -v i="$i" '$1 == i {print $2}' "$WORK/cpu" | sort -n |
		awk -v t="$t" '{v[NR] = $1} END {printf "%7.3f ms cpu (rounds: min %.3f, max %.3f)  %s\n", v[int((NR + 1) / 2)], v[1], v[NR], t}'
	i=$((i + 1))
done
