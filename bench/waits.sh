#!/bin/sh
# Where `taper run -- /bin/true` waits rather than computes: wall time of the
# system calls that sleep or copy (perf trace, N runs, median and p90).
#   umount2    detaching the old root: an RCU grace period
#   sendfile   copying the binary into the sealed memfd
#   seccomp    loading the filter (BPF conversion + JIT)
#   clone3     creating the namespaces (the network namespace most of it)
#   execveat   the sealed re-exec
# Usage: bench/waits.sh TAPER_BINARY (N=60 in the environment)
set -eu
T="$1"
N="${N:-60}"
WORK="$(mktemp -d /tmp/taper-bench-waits-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT INT TERM
R="$WORK/rootfs"
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/tmp"
cp "$(command -v busybox)" "$R/bin/busybox"
ln -s busybox "$R/bin/true"
i=0
while [ "$i" -lt "$N" ]; do
	perf trace -s -f -e umount2,sendfile,seccomp,clone3,execveat -- \
		"$T" run --rootfs "$R" -- /bin/true 2>&1 >/dev/null |
		awk '$1 ~ /^(umount2|sendfile|seccomp|clone3|execveat)$/ && $4 > 0 {print $1, $4}' >>"$WORK/t"
	i=$((i + 1))
done
for k in umount2 sendfile seccomp clone3 execveat; do
	awk -v k="$k" '$1 == k {print $2}' "$WORK/t" | sort -n |
		awk -v k="$k" 'NR {v[NR] = $1} END {if (NR) printf "%-9s n=%-3d median %.3f ms  p90 %.3f ms\n", k, NR, v[int((NR + 1) / 2)], v[int(NR * 0.9)]}'
done
