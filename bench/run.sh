#!/bin/sh
# Latency of /bin/true in a fresh container: `taper run` against crun on
# the same busybox rootfs, in rounds of short hyperfine runs (see below).
#
# crun 1.8.1 refuses this machine's hybrid cgroup layout unless the cgroup2
# mount at /sys/fs/cgroup/unified is gone, so crun runs inside a private
# mount namespace where it is unmounted (one `unshare` per round, not per
# run; the host's mounts are untouched). taper runs on the host as it is,
# with the cgroup2 mount its device rules and its CLONE_INTO_CGROUP use,
# and also in crun's namespace ("taper-v1": a pure v1 view, where its
# group joins the v1 devices hierarchy by a write to cgroup.procs, as
# crun's does). For reference crun is also timed behind a per-run
# `unshare -m` wrapper, as one would have to call it from outside.
# taper run always makes a cgroup (it holds the device rules), a minimal
# one; "taper+cgroup" adds v1 memory and pids limits, which crun's
# default config does not set.
# bubblewrap (bwrap --unshare-all: the same namespaces, a fresh /proc and
# /dev, but no seccomp, no capability drop, no masked paths) is timed too
# when installed, as a floor for "namespaces + mounts + exec".
#
# taper is measured as shipped: a release build, stripped (crun from apt is
# too). The sealed-memfd re-exec (CVE-2019-5736) copies the whole binary on
# every run, so debug info would be copied too. BENCH_BUILD overrides.
#
# Usage: bench/run.sh [BUILD_DIR]   (BUILD_DIR is not used for
# the binary unless BENCH_BUILD=BUILD_DIR; TAPER_BIN=/path/to/taper times
# that binary instead)
set -eu
cd "$(dirname "$0")/.."
BUILD="${BENCH_BUILD:-build-bench}"
if [ -n "${TAPER_BIN:-}" ]; then
	TAPER="$TAPER_BIN" # another binary, e.g. main's, for a before/after
elif [ "$BUILD" = build-bench ]; then
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

# hyperfine runs each command's runs back to back, so a load change on a
# busy host between two commands skews their ratio by 2x. Instead: ROUNDS
# short hyperfine runs (RUNS/ROUNDS each), and the ratios are taken within
# each round and reported as the median over the rounds.
ROUNDS="${ROUNDS:-10}"
BWRAP="$(command -v bwrap || true)"
i=0
while [ "$i" -lt "$ROUNDS" ]; do
	hyperfine -N --style none --warmup 5 --runs "$((RUNS / ROUNDS))" --export-json "$WORK/host-$i.json" \
		-n taper "$TAPER run --rootfs $R -- /bin/true" \
		-n "taper+cgroup" "$TAPER run --rootfs $R --memory 256M --pids-limit 1000 -- /bin/true" \
		${BWRAP:+-n bwrap "$BWRAP --unshare-all --bind $R / --proc /proc --dev /dev /bin/true"} >/dev/null
	unshare -m sh -c '
		umount /sys/fs/cgroup/unified
		hyperfine -N --style none --warmup 5 --runs "$1" --export-json "$2/ns-$6.json" \
			-n crun "crun --root $5/state run --bundle $5/bundle taper-bench-$$" \
			-n "crun+unshare" "unshare -m sh -c \"umount /sys/fs/cgroup/unified; exec crun --root $5/state run --bundle $5/bundle taper-bench-u$$\"" \
			-n taper-v1 "$3 run --rootfs $4 -- /bin/true" >/dev/null
	' sh "$((RUNS / ROUNDS))" "$WORK" "$TAPER" "$R" "$WORK" "$i"
	i=$((i + 1))
done

/usr/bin/python3 - "$WORK" "$ROUNDS" <<'PY'
import json, statistics as st, sys
def results(path):
    return {x["command"]: x for x in json.load(open(path))["results"]}
rounds = [{**results(f"{sys.argv[1]}/host-{i}.json"), **results(f"{sys.argv[1]}/ns-{i}.json")}
          for i in range(int(sys.argv[2]))]
names = list(rounds[0])
# Wall: the median of all runs, and per round; CPU: user + system (hyperfine's
# mean per run), steadier than wall time on a busy host.
wall = {n: st.median(t for r in rounds for t in r[n]["times"]) for n in names}
cpu = {n: st.median(r[n]["user"] + r[n]["system"] for r in rounds) for n in names}
def ratio(a, b, key):
    return st.median(key(r[a]) / key(r[b]) for r in rounds)
med = lambda x: x["median"]
cpu_of = lambda x: x["user"] + x["system"]
print(f"{len(rounds)} rounds of {len(rounds[0]['taper']['times'])} runs per command")
print("median wall: " + ", ".join(f"{n} {wall[n]*1e3:.2f} ms" for n in names))
print("cpu/run:     " + ", ".join(f"{n} {cpu[n]*1e3:.2f} ms" for n in names))
print(f"taper/crun, median over rounds: wall {ratio('taper', 'crun', med):.2f}, "
      f"cpu {ratio('taper', 'crun', cpu_of):.2f}; with a cgroup, as crun always makes: "
      f"wall {ratio('taper+cgroup', 'crun', med):.2f}, cpu {ratio('taper+cgroup', 'crun', cpu_of):.2f}")
print(f"taper-v1/crun (both in crun's pure v1 view), median over rounds: "
      f"wall {ratio('taper-v1', 'crun', med):.2f}, cpu {ratio('taper-v1', 'crun', cpu_of):.2f}")
if "bwrap" in names:
    print(f"taper/bwrap, median over rounds: wall {ratio('taper', 'bwrap', med):.2f}, "
          f"cpu {ratio('taper', 'bwrap', cpu_of):.2f}")
PY
