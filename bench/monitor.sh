#!/bin/sh
# Memory of the per-container monitors: N (default 10) busybox containers
# made by `taper create -t busybox` in a store of their own (the default
# config: a veth on taperbr0, a user namespace), started, then Rss, Pss and
# Private_Dirty of every monitor from /proc/PID/smaps_rollup, summed and
# averaged; VERBOSE=1 adds the mappings of the first monitor by Pss. The
# containers are stopped and the store removed at the end.
#
# Usage: bench/monitor.sh [BUILD_DIR]   (default build-release)
#   The build is configured as a release (-Dprefix=/usr) and installed
#   stripped into a temporary DESTDIR, as `make install` does; the
#   installed taper, taper-monitor and taper-supervise are measured (the
#   monitors are taper-supervise by the time they are read).
# TAPER_BIN=PATH bench/monitor.sh   measures another taper binary as it is
#   (an older one forks its monitor; TAPER_MONITOR, if set, is passed on).
set -eu
cd "$(dirname "$0")/.."
BUILD="${1:-build-release}"
N="${N:-10}"
WORK="$(mktemp -d /tmp/taper-bench-monitor-XXXXXX)"
STORE="$WORK/store"

if [ -n "${TAPER_BIN:-}" ]; then
	TAPER="$TAPER_BIN"
else
	[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" --buildtype=release -Dprefix=/usr >/dev/null
	ninja -C "$BUILD" >/dev/null
	meson install -C "$BUILD" --no-rebuild --strip --quiet --destdir "$WORK/inst" >/dev/null
	TAPER="$WORK/inst/usr/bin/taper"
	TAPER_MONITOR="$WORK/inst/usr/libexec/taper/taper-monitor"
	export TAPER_MONITOR
	sync # freshly written pages count as dirty until written back
fi

cleanup() {
	i=0
	while [ "$i" -lt "$N" ]; do
		"$TAPER" --path "$STORE" stop -k "c$i" >/dev/null 2>&1 || true
		i=$((i + 1))
	done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

mkdir -p "$STORE"
"$TAPER" --path "$STORE" create c0 -t busybox >/dev/null
i=1
while [ "$i" -lt "$N" ]; do
	"$TAPER" --path "$STORE" clone c0 "c$i" >/dev/null
	i=$((i + 1))
done
i=0
while [ "$i" -lt "$N" ]; do
	"$TAPER" --path "$STORE" start "c$i"
	i=$((i + 1))
done
sleep 2 # let the inits settle (their console output lands in the ring)

pids=""
i=0
while [ "$i" -lt "$N" ]; do
	pid=$("$TAPER" --path "$STORE" info "c$i" --format json |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["monitor_pid"])')
	pids="$pids $pid"
	i=$((i + 1))
done

echo "taper: $TAPER"
for pid in $pids; do
	printf '%s ' "$pid"
	awk '/^(Rss|Pss|Private_Dirty):/ { printf "%s %s ", $1, $2 }' "/proc/$pid/smaps_rollup"
	echo
done | awk -v n="$N" '
	{ print "  monitor " $0; rss += $3; pss += $5; pd += $7 }
	END {
		printf "%d monitors: Pss %d KiB in all, %.0f KiB each; Private_Dirty %.0f KiB each; Rss %.0f KiB each\n",
			n, pss, pss / n, pd / n, rss / n
	}'

if [ "${VERBOSE:-0}" = 1 ]; then
	set -- $pids
	echo "mappings of monitor $1 (Pss, Private_Dirty KiB):"
	awk '/^[0-9a-f]+-[0-9a-f]+ / { name = $6 ? $6 : "[anon]" }
		/^Pss:/ { pss[name] += $2 }
		/^Private_Dirty:/ { pd[name] += $2 }
		END { for (m in pss) if (pss[m]) printf "  %6d %6d  %s\n", pss[m], pd[m], m }' \
		"/proc/$1/smaps" | sort -rn
fi
