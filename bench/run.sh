#!/bin/sh
# Latency of /bin/true in a fresh container: `taper run` against crun on
# the same busybox rootfs, interleaved in one hyperfine run.
#
# crun 1.8.1 refuses this machine's hybrid cgroup layout unless the cgroup2
# mount at /sys/fs/cgroup/unified is gone, so the whole hyperfine run (both
# commands) happens inside one private mount namespace where it is
# unmounted: neither command pays for an `unshare` per run, and the host's
# mounts are untouched. For reference the script also times crun behind a
# per-run `unshare -m` wrapper, as one would have to call it from outside.
# `taper run` makes a cgroup only when a limit is asked for, crun always:
# "taper+cgroup" (v1 memory and pids limits) shows that cost too.
#
# taper is measured as shipped: a release build, stripped (crun from apt is
# too). The sealed-memfd re-exec (CVE-2019-5736) copies the whole binary on
# every run, so debug info would be copied too. BENCH_BUILD overrides.
#
# Usage: bench/run.sh [BUILD_DIR]   (make bench; BUILD_DIR is not used for
# the binary unless BENCH_BUILD=BUILD_DIR)
set -eu
cd "$(dirname "$0")/.."
BUILD="${BENCH_BUILD:-build-bench}"
if [ "$BUILD" = build-bench ]; then
	[ -f build-bench/build.ninja ] ||
		meson setup build-bench --buildtype=release -Dstrip=true -Dtests=false >/dev/null
	ninja -C build-bench taper >/dev/null
	# -Dstrip applies at install; strip the build-tree binary the same way.
	strip -o build-bench/taper.stripped build-bench/taper
	TAPER="$PWD/build-bench/taper.stripped"
else
	TAPER="$PWD/$BUILD/taper"
fi
RUNS="${RUNS:-300}"
WORK="$(mktemp -d /tmp/taper-bench-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT INT TERM
chmod 755 "$WORK"

# A busybox rootfs and an OCI bundle around it.
R="$WORK/bundle/rootfs"
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/etc"
cp "$(command -v busybox)" "$R/bin/busybox"
for a in sh true; do ln -s busybox "$R/bin/$a"; done
(cd "$WORK/bundle" && crun spec >/dev/null)
/usr/bin/python3 - "$WORK/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
c["root"] = {"path": "rootfs", "readonly": False}
json.dump(c, open(p, "w"), indent=1)
PY

OUT="$WORK/out.json"
unshare -m sh -c '
	umount /sys/fs/cgroup/unified
	hyperfine -N --warmup 30 --runs "$1" --export-json "$2" \
		-n taper "$3 run --rootfs $4 -- /bin/true" \
		-n "taper+cgroup" "$3 run --rootfs $4 --memory 256M --pids-limit 1000 -- /bin/true" \
		-n crun "crun --root $5/state run --bundle $5/bundle taper-bench-$$" \
		-n "crun+unshare" "unshare -m sh -c \"umount /sys/fs/cgroup/unified; exec crun --root $5/state run --bundle $5/bundle taper-bench-u$$\""
' sh "$RUNS" "$OUT" "$TAPER" "$R" "$WORK"

/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
t, c = r["taper"]["median"], r["crun"]["median"]
g = r["taper+cgroup"]["median"]
print(f"median: taper {t*1e3:.2f} ms, taper+cgroup {g*1e3:.2f} ms, crun {c*1e3:.2f} ms, "
      f"crun+unshare {r['crun+unshare']['median']*1e3:.2f} ms")
print(f"ratio taper/crun (median): {t/c:.2f}; with a cgroup, as crun always makes: {g/c:.2f}")
# CPU time (user + system, mean) is steadier than wall time on a busy host.
cpu = {k: (v["user"] + v["system"]) for k, v in r.items()}
print(f"cpu: taper {cpu['taper']*1e3:.2f} ms, crun {cpu['crun']*1e3:.2f} ms, "
      f"ratio {cpu['taper']/cpu['crun']:.2f}")
PY
