"""Load: N busybox system containers (TAPER_LOAD_N, default 20; 200 with
TAPER_E2E=1) started and stopped in parallel batches, three rounds, each
with a veth on taperbr0 in a throwaway network namespace. A snapshot of
the host before and after (mountinfo, taper's cgroup trees, links and the
nftables ruleset of the namespace, leases, processes, the test process's
open fds) must be the same: nothing leaked.
"""
import glob
import json
import os
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import Result, Taper, store_id
from lifecycle_util import leftovers, monitors_of

N = int(os.environ.get("TAPER_LOAD_N") or (200 if os.environ.get("TAPER_E2E") == "1" else 20))
BATCH = 10
ROUNDS = 3
INIT = "/bin/sh -c 'trap \"exit 0\" USR2; while :; do sleep 1; done'"


class NsTaper(Taper):
    def __init__(self, store, ns):
        super().__init__(store)
        self.ns = ns

    def __call__(self, *args, input=None, env=None, timeout=300, store=True):
        argv = ["nsenter", f"--net=/run/netns/{self.ns}", self.binary, "--path", self.store]
        full_env = dict(os.environ)
        full_env.pop("TAPER_PATH", None)
        return Result(subprocess.run(argv + [str(a) for a in args], input=input,
                                     capture_output=True, text=True, env=full_env,
                                     timeout=timeout))


@pytest.fixture
def netns():
    name = f"taper-l-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    yield name
    subprocess.run(["ip", "netns", "del", name])


def snapshot(t):
    sid = store_id(t.store)

    def run(*argv):
        return subprocess.run(argv, capture_output=True, text=True).stdout

    with open("/proc/self/mountinfo") as f:
        mounts = sorted(l.split(" ", 4)[4] for l in f.read().splitlines()
                        if os.path.realpath(t.store) in l)
    return {
        "mounts": mounts,
        "cgroups": sorted(glob.glob(f"/sys/fs/cgroup/*/taper/{sid}/*")),
        "links": sorted(l.split(":")[1].split("@")[0].strip()
                        for l in run("ip", "-n", t.ns, "-o", "link").splitlines()),
        "nft": run("ip", "netns", "exec", t.ns, "nft", "list", "ruleset"),
        "leases": sorted(os.path.join(dp, f) for dp, _, fs in
                         os.walk(os.path.join(t.store, ".leases")) for f in fs),
        "monitors": monitors_of(t.store),
        "fds": sorted(os.listdir("/proc/self/fd")),
    }


def test_many_containers_in_parallel_leak_nothing(taper, netns):
    t = NsTaper(taper.store, netns)
    names = [f"l{i:03d}" for i in range(N)]
    # Full copies: an overlay (snapshot) rootfs cannot be idmapped here.
    t.ok("create", names[0], "-t", "busybox")
    for key, value in (("init.cmd", INIT), ("stop.signal", "SIGUSR2")):
        t.ok("config", names[0], key, value)
    for n in names[1:]:
        t.ok("clone", names[0], n)
    # The bridge and its NAT are made by the first start and stay, as
    # taperbr0 does; the baseline is taken once they exist.
    t.ok("start", names[0])
    t.ok("stop", names[0])
    before = snapshot(t)

    def each(op, batch):
        with ThreadPoolExecutor(max_workers=len(batch)) as pool:
            results = list(pool.map(lambda n: (n, t(op, n)), batch))
        failed = [(n, r) for n, r in results if r.returncode != 0]
        assert failed == [], failed

    try:
        for _ in range(ROUNDS):
            for i in range(0, N, BATCH):
                each("start", names[i:i + BATCH])
            rows = json.loads(t.ok("ls", "--format", "json").stdout)
            assert [r["state"] for r in rows] == ["RUNNING"] * N
            ips = [ip for r in rows for ip in r["ipv4"]]
            assert len(ips) == len(set(ips)) == N
            for i in range(0, N, BATCH):
                each("stop", names[i:i + BATCH])
        after = snapshot(t)
        assert after == before
        assert leftovers(t.store) == {}
    finally:
        for n in names:
            t("stop", "-k", n)
