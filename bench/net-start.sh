#!/bin/sh
# `taper start` to RUNNING of a busybox system container with loopback
# only and with a veth on taper's default network (bridge, NAT rules,
# lease), for one or more taper binaries, all runs interleaved in a random
# order per round: the before/after tool of a change in src/net/. Runs in
# a network namespace of its own; each stop is followed by a short pause
# so that the kernel's teardown of one run's namespace does not land in
# the next start. Usage: bench/net-start.sh ROUNDS TAPER-BINARY...
set -eu
[ "${IN_NETNS:-}" = 1 ] || IN_NETNS=1 exec unshare --net -- sh -c 'ip link set lo up && exec "$@"' net-start "$0" "$@"
rounds="$1"
shift
dir="$(mktemp -d /tmp/taper-bench-net.XXXXXX)"
store="$dir/store"
cleanup() {
	set +e
	for c in ce cv; do "$1" --path "$store" stop -k $c >/dev/null 2>&1; done
	"$1" --path "$store" destroy ce >/dev/null 2>&1
	"$1" --path "$store" destroy cv >/dev/null 2>&1
	# destroy leaves the store's (empty) runtime directory.
	rmdir "/run/taper/$(/usr/bin/python3 -c 'import os, sys
h = 0xcbf29ce484222325
for b in os.path.realpath(sys.argv[1]).encode():
    h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
print(f"{h:016x}")' "$store")"
	rm -rf "$dir"
}
# shellcheck disable=SC2064
trap "cleanup '$1'" EXIT
"$1" --path "$store" create ce -t busybox >/dev/null
"$1" --path "$store" create cv -t busybox >/dev/null
sed -i -e 's/^net.0.type = veth/net.0.type = empty/' -e '/^net.0.link/d' "$store/ce/config"
for b in "$@"; do # the bridge and its rules exist before the first timed start
	"$b" --path "$store" start cv
	"$b" --path "$store" stop -k cv
done
i=0
while [ "$i" -lt "$rounds" ]; do
	for bc in $(for b in "$@"; do for c in ce cv; do echo "$b,$c"; done; done | shuf); do
		b="${bc%,*}" c="${bc#*,}"
		s="$(date +%s%N)"
		"$b" --path "$store" start "$c"
		e="$(date +%s%N)"
		echo "$b $c $(((e - s) / 1000))"
		"$b" --path "$store" stop -k "$c"
		sleep 0.3
	done
	i=$((i + 1))
done >"$dir/times"
/usr/bin/python3 - "$dir/times" "$@" <<'PY'
import collections, statistics as st, sys
d = collections.defaultdict(list)
for l in open(sys.argv[1]):
    b, c, t = l.split()
    d[(b, c)].append(int(t) / 1000)
for b in sys.argv[2:]:
    e, v = st.median(d[(b, "ce")]), st.median(d[(b, "cv")])
    print(f"{b}: loopback only {e:.2f} ms, veth on the default network {v:.2f} ms, "
          f"veth costs {v - e:+.2f} ms ({len(d[(b, 'cv')])} starts each)")
PY
