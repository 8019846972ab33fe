#!/bin/sh
# What networking and published ports add to `taper start` and `taper stop`
# of a busybox container, inside a network namespace of its own (nothing
# on the host's network): no interface, one veth, one veth with 4 ports,
# and `taper port add` + `rm` on a running container. Medians of ROUNDS.
# Usage: bench/ports.sh [BUILD_DIR] [ROUNDS]
set -eu
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
ROUNDS="${2:-20}"
TAPER="$PWD/$BUILD/taper"
WORK="$(mktemp -d /tmp/taper-bench-ports-XXXXXX)"
NS="taper-b$$"
STORE="$WORK/store"

ip netns add "$NS"
cleanup() {
	for c in none veth ports; do
		nsenter --net="/run/netns/$NS" "$TAPER" --path "$STORE" stop -k "$c" >/dev/null 2>&1 || true
	done
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
T() { nsenter --net="/run/netns/$NS" "$TAPER" --path "$STORE" "$@"; }
ms() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2 }'; }

nsenter --net="/run/netns/$NS" ip link set lo up
mkdir -p "$STORE"
for c in none veth ports; do
	T create "$c" -t busybox >/dev/null
	T config "$c" stop.timeout 0
done
T config none --unset net.0.type
T config none --unset net.0.link
for p in 8001:80 8002:81 8003:82/udp 127.0.0.1:8004:83; do T port ports add "$p"; done

for c in none veth ports; do
	: > "$WORK/start" && : > "$WORK/stop"
	i=0
	while [ "$i" -lt "$ROUNDS" ]; do
		a=$(ms); T start "$c"; b=$(ms); T stop -k "$c"; d=$(ms)
		echo $(((b - a) / 1000)) >> "$WORK/start"
		echo $(((d - b) / 1000)) >> "$WORK/stop"
		i=$((i + 1))
	done
	printf '%-6s start %s ms  stop -k %s ms\n' "$c" \
		"$(awk '{ print $1 / 1000 }' "$WORK/start" | median)" "$(awk '{ print $1 / 1000 }' "$WORK/stop" | median)"
done

T start veth
: > "$WORK/add" && : > "$WORK/rm"
i=0
while [ "$i" -lt "$ROUNDS" ]; do
	a=$(ms); T port veth add 9000:80; b=$(ms); T port veth rm 9000; d=$(ms)
	echo $(((b - a) / 1000)) >> "$WORK/add"
	echo $(((d - b) / 1000)) >> "$WORK/rm"
	i=$((i + 1))
done
printf 'running: port add %s ms  port rm %s ms\n' \
	"$(awk '{ print $1 / 1000 }' "$WORK/add" | median)" "$(awk '{ print $1 / 1000 }' "$WORK/rm" | median)"
