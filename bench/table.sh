#!/bin/sh
# `make bench`: taper against crun, runc, LXC and bubblewrap on one busybox
# rootfs (bench/table.py says what is measured and how). Builds taper as
# `make install` ships it (release, `meson install --strip`) into a bench
# directory, bench/floor.c beside it, and runs the table in a network
# namespace of its own with loopback up: the bridge, veths and NAT rules of
# the system-container rows never reach the host's network. The namespace
# has a mount namespace of its own too, where /sys/class/net shows its own
# links (LXC looks for the bridge there; nothing else changes). Writes
# bench/results/<date>-<host>[-quick].md.
#
# Usage: bench/table.sh   (FULL=1 for the full table: 500 idle containers,
# 1000 listed, 60 rounds; a few minutes without it. ROUNDS=N and
# ONLY=run,oci for one part of it: bench/table.py)
set -eu
cd "$(dirname "$0")/.."
BUILD="${BENCH_BUILD:-build-bench}"
WORK="$(mktemp -d /tmp/taper-bench.XXXXXX)"
chmod 755 "$WORK"

[ -f "$BUILD/build.ninja" ] ||
	meson setup "$BUILD" --buildtype=release -Dtests=false --prefix=/usr/local >/dev/null
ninja -C "$BUILD" >/dev/null
meson install -C "$BUILD" --no-rebuild --strip --quiet --destdir "$WORK/install" >/dev/null
cc -O2 -Wall -Wextra -o "$WORK/floor" bench/floor.c

TAPER="$WORK/install/usr/local/bin/taper"
export BENCH_WORK="$WORK" BENCH_TAPER="$TAPER" BENCH_FLOOR="$WORK/floor"
# taper-oci (installed as a symlink to taper) gets its column in the
# run-to-exit table and the OCI lifecycle table of its own.
[ ! -x "$WORK/install/usr/local/bin/taper-oci" ] || export BENCH_TAPER_OCI="$WORK/install/usr/local/bin/taper-oci"

cleanup() {
	set +e
	for c in "$WORK"/store/*/; do
		[ -d "$c" ] && "$TAPER" --path "$WORK/store" stop -k "$(basename "$c")" >/dev/null 2>&1
	done
	for c in $(lxc-ls -P "$WORK/lxc" --running 2>/dev/null); do
		lxc-stop -P "$WORK/lxc" -n "$c" -k >/dev/null 2>&1
	done
	"$TAPER" --path "$WORK/store" gc >/dev/null 2>&1
	rmdir /sys/fs/cgroup/memory/taper-bench-floor 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir "$WORK/sys"
# shellcheck disable=SC2016
unshare --net --mount -- sh -c 'ip link set lo up &&
	mount -t sysfs sysfs "$1/sys" &&
	mount --bind "$1/sys/class/net" /sys/class/net &&
	mount --bind "$1/sys/devices/virtual/net" /sys/devices/virtual/net &&
	shift && exec "$@"' bench "$WORK" /usr/bin/python3 bench/table.py
