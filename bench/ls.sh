#!/bin/sh
# `taper ls` over a store of N (default 1000) stopped containers made by
# hand, plus a few running ones: ls spawns nothing per container (one
# config parse and a couple of opens each), so it should stay in the tens
# of milliseconds. Formats table and json are timed with hyperfine.
# Usage: bench/ls.sh [BUILD_DIR] [N] [RUNNING]
set -eu
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
N="${2:-1000}"
RUNNING="${3:-5}"
TAPER="$PWD/$BUILD/taper"
WORK="$(mktemp -d /tmp/taper-bench-ls-XXXXXX)"
STORE="$WORK/store"

cleanup() {
	i=0
	while [ "$i" -lt "$RUNNING" ]; do
		"$TAPER" --path "$STORE" stop -k "c$i" >/dev/null 2>&1 || true
		i=$((i + 1))
	done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

BB="$(command -v busybox)"
mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/proc" "$WORK/rootfs/dev" "$WORK/rootfs/sys" "$WORK/rootfs/tmp"
cp "$BB" "$WORK/rootfs/bin/busybox"
ln -s busybox "$WORK/rootfs/bin/sh"
ln -s busybox "$WORK/rootfs/bin/sleep"
mkdir -p "$STORE"
i=0
while [ "$i" -lt "$N" ]; do
	mkdir -p "$STORE/c$i/rootfs"
	printf 'rootfs.path = %s\ninit.cmd = /bin/sh -c "while :; do sleep 1; done"\nstart.auto = %d\n' \
		"$WORK/rootfs" $((i % 2)) > "$STORE/c$i/config"
	i=$((i + 1))
done
i=0
while [ "$i" -lt "$RUNNING" ]; do
	"$TAPER" --path "$STORE" start "c$i"
	i=$((i + 1))
done

echo "taper ls, $N containers ($RUNNING running):"
hyperfine -N --warmup 3 --runs 30 \
	"$TAPER --path $STORE ls" \
	"$TAPER --path $STORE ls --format json"
