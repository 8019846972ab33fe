#!/bin/sh
# Listing a store of N (default 1000) containers made by hand: the library
# call (store_open + store_list, bench_store_list.c) and, for scale, the
# same walk by `ls` + `stat` of each config.
# Usage: bench/store_list.sh [BUILD_DIR] [N]
set -eu
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
N="${2:-1000}"
WORK="$(mktemp -d /tmp/taper-bench-store-XXXXXX)"
trap 'rm -rf "$WORK" /tmp/taper-bench-run' EXIT INT TERM

mkdir -p "$WORK/store"
i=0
while [ "$i" -lt "$N" ]; do
	mkdir -p "$WORK/store/c$i/rootfs"
	printf 'uts.name = c%d\ncgroup.memory.max = 256M\n' "$i" > "$WORK/store/c$i/config"
	i=$((i + 1))
done

cc -O2 -Wall -Werror -D_GNU_SOURCE -Iinclude -Isrc bench/bench_store_list.c "$BUILD/libtaper-core.a" \
	-o "$WORK/bench_store_list"
"$WORK/bench_store_list" "$WORK/store" 200
