#!/bin/sh
# How long GET /api/v1/containers takes over a store of N containers
# (default 1000: N-10 stopped, 10 running), as the panel's overview asks
# for it every two seconds. The stopped ones share one busybox rootfs
# (made by hand: <store>/NAME/config), the running ones are real
# `taper create -t busybox` containers. Prints the median and the worst of
# 20 requests after 3 to warm up. The running ones have a veth on taper's
# default network: the script runs in a network namespace of its own, so
# that its bridge and NAT rules never reach the host's. Usage:
# web-list.sh TAPER-BINARY [N]
set -eu
[ "${IN_NETNS:-}" = 1 ] || IN_NETNS=1 exec unshare --net -- sh -c 'ip link set lo up && exec "$@"' web-list "$0" "$@"
taper="$(realpath "${1:-build/taper}")"
n="${2:-1000}"
dir="$(mktemp -d /tmp/taper-bench-web.XXXXXX)"
store="$dir/store"
port=18391
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
	for i in $(seq 1 10); do "$taper" --path "$store" stop -k "run$i" >/dev/null 2>&1 || true; done
	# The runtime directory (exit records) goes with the store.
	rm -rf "/run/taper/$(/usr/bin/python3 -c 'import os, sys
h = 0xcbf29ce484222325
for b in os.path.realpath(sys.argv[1]).encode():
    h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
print(f"{h:016x}")' "$store")"
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

mkdir -p "$store" "$dir/rootfs/bin"
cp "$(command -v busybox)" "$dir/rootfs/bin/busybox"
i=1
while [ "$i" -le $((n - 10)) ]; do
	mkdir -p "$store/c$i/rootfs"
	printf 'rootfs.path = %s\ninit.cmd = /bin/busybox sleep 1000\n' "$dir/rootfs" >"$store/c$i/config"
	i=$((i + 1))
done
for i in $(seq 1 10); do
	"$taper" --path "$store" create "run$i" -t busybox >/dev/null
	"$taper" --path "$store" start "run$i"
done
"$taper" --path "$store" web --listen "127.0.0.1:$port" >"$dir/log" 2>&1 &
pid=$!
while ! grep -q "Log in at" "$dir/log"; do sleep 0.1; done
token="$(cat "$store/.web-token")"
for i in 1 2 3; do
	curl -s -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/containers"
done
count="$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/containers" | grep -o '"name"' | wc -l)"
for i in $(seq 1 20); do
	curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" \
		"http://127.0.0.1:$port/api/v1/containers"
done | sort -n | awk -v c="$count" '{ t[NR] = $1 } END {
	printf "GET /api/v1/containers, %d containers: median %.1f ms, worst %.1f ms\n", c, t[int((NR + 1) / 2)] * 1000, t[NR] * 1000 }'
