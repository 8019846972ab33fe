#!/bin/sh
# Wall time of `taper stop -k` of a busybox container (`taper create -t
# busybox`) with loopback only (net.0.type = empty), for one or more taper
# binaries, interleaved: each round starts and stops one container per
# binary, in a store of its own, in a random order, with a pause after each
# stop (the kernel tears the namespaces down on a workqueue after it
# returns). Prints the median and the quartiles per binary.
#
# Usage: bench/stop.sh TAPER_BIN [TAPER_BIN...]   (ROUNDS, default 40;
#   VERBOSE=1 prints every time)
#   Each binary finds its taper-monitor as it would (beside it in a build
#   tree); run it under scripts/in-netns.
set -eu
[ "$#" -ge 1 ] || { echo "usage: bench/stop.sh TAPER_BIN..." >&2; exit 2; }
WORK="$(mktemp -d /tmp/taper-bench-stop-XXXXXX)"
export WORK ROUNDS="${ROUNDS:-40}"
trap 'for b in "$@"; do i=$((${i:-0} + 1)); "$b" --path "$WORK/s$i" stop -k c >/dev/null 2>&1 || true; done; rm -rf "$WORK"' EXIT INT TERM
python3 - "$@" <<'PY'
import os, random, statistics as st, subprocess, sys, time

bins, work, rounds = sys.argv[1:], os.environ["WORK"], int(os.environ["ROUNDS"])
def T(i, *a):
    return [bins[i], "--path", f"{work}/s{i + 1}", *a]
for i in range(len(bins)):
    os.makedirs(f"{work}/s{i + 1}")
    subprocess.run(T(i, "create", "c", "-t", "busybox"), check=True, stdout=subprocess.DEVNULL)
    subprocess.run(T(i, "config", "c", "--unset", "net.0.link"), check=True)
    subprocess.run(T(i, "config", "c", "net.0.type", "empty"), check=True)
times = [[] for _ in bins]
for r in range(rounds + 1):
    order = list(range(len(bins)))
    random.shuffle(order)
    for i in order:
        subprocess.run(T(i, "start", "c"), check=True)
        time.sleep(0.2)
        t = time.perf_counter()
        subprocess.run(T(i, "stop", "-k", "c"), check=True)
        if r:  # the first round warms up
            times[i].append((time.perf_counter() - t) * 1000)
        time.sleep(0.3)
for b, ts in zip(bins, times):
    q = st.quantiles(ts, n=4)
    print(" ".join(f"{t:.1f}" for t in ts)) if os.environ.get("VERBOSE") else None
    print(f"{b}: stop -k median {st.median(ts):.2f} ms (quartiles {q[0]:.2f} {q[2]:.2f}), {len(ts)} rounds")
PY
