"""What SIGKILLed commands leave behind, and who reclaims it: the next
`taper run` of the store, and `taper gc` (with --dry-run first)."""
import fcntl
import glob
import os
import signal
import subprocess

import pytest

from conftest import TAPER, make_busybox_rootfs
from lifecycle_util import runtime_dir, store_id, wait_for
from test_run import remove_store_cgroups  # noqa: F401 (autouse fixture)


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory):
    return make_busybox_rootfs(str(tmp_path_factory.mktemp("gc-rootfs")))


def store_groups(taper):
    """Every directory under the store's cgroup subtree, in every hierarchy."""
    base = f"/sys/fs/cgroup/*/taper/{store_id(taper.store)}"
    return sorted(d for d in glob.glob(f"{base}/**/", recursive=True)
                  if os.path.realpath(d) not in {os.path.realpath(b) for b in glob.glob(base)})


def killed_runs(taper, rootfs, n, extra=()):
    """n `taper run`s side by side, SIGKILLed while their commands run (a
    run reclaims only dead runs' groups, so all live at once); returns
    once each one's container has followed it (its groups are empty)."""
    procs = [subprocess.Popen([TAPER, "--path", taper.store, "run", "--rootfs", rootfs, *extra,
                               "--", "sleep", "1000"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _ in range(n)]
    for p in procs:
        assert wait_for(lambda: busy(run_groups(taper, p.pid)), 30), p
    for p in procs:
        p.send_signal(signal.SIGKILL)
        p.wait()
    for p in procs:
        assert wait_for(lambda: not busy(run_groups(taper, p.pid)), 30)


def run_groups(taper, pid):
    """The groups of the run with that pid, in every hierarchy."""
    base = f"/sys/fs/cgroup/*/taper/{store_id(taper.store)}"
    return glob.glob(f"{base}/run-{pid}-*/") + glob.glob(f"{base}/run-{pid}/")


def busy(groups):
    return any(open(os.path.join(g, "cgroup.procs")).read().strip() for g in groups)


def test_next_run_reclaims_killed_runs_groups(taper, rootfs):
    killed_runs(taper, rootfs, 3, ["--memory", "32M", "--pids-limit", "50"])
    left = store_groups(taper)
    # Three groups, each in several hierarchies (memory, pids, the cgroup2 one).
    assert len({os.path.basename(d.rstrip("/")) for d in left}) == 3, left
    assert len(left) > 3, left
    taper.ok("run", "--rootfs", rootfs, "--", "true")
    assert store_groups(taper) == []


def test_gc_reclaims_killed_runs_groups(taper, rootfs):
    killed_runs(taper, rootfs, 2)
    left = store_groups(taper)
    names = sorted({os.path.basename(d.rstrip("/")) for d in left})
    assert len(names) == 2 and all(n.startswith("run-") for n in names), left
    sid = store_id(taper.store)
    dry = taper.ok("gc", "--dry-run").stdout.splitlines()
    assert dry == [f"would remove cgroup taper/{sid}/{n}" for n in names]
    assert store_groups(taper) == left
    out = taper.ok("gc").stdout.splitlines()
    assert out == [f"removed cgroup taper/{sid}/{n}" for n in names]
    assert store_groups(taper) == []
    assert taper.ok("gc").stdout == ""


def test_gc_keeps_what_lives(taper, rootfs):
    """A live run's group is its own, even while a reused-pid look-alike
    group of a dead run sits beside it."""
    p = subprocess.Popen([TAPER, "--path", taper.store, "run", "--rootfs", rootfs, "--",
                          "sleep", "1000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: busy(run_groups(taper, p.pid)), 30)
        live = store_groups(taper)
        # The same pid with another start time: that run is dead.
        fake = f"/sys/fs/cgroup/unified/taper/{store_id(taper.store)}/run-{p.pid}-1"
        os.mkdir(fake)
        assert taper.ok("gc").stdout.splitlines() == [
            f"removed cgroup taper/{store_id(taper.store)}/run-{p.pid}-1"]
        assert store_groups(taper) == live
    finally:
        p.kill()
        p.wait()
    assert wait_for(lambda: not busy(run_groups(taper, p.pid)), 30)
    taper.ok("gc")
    assert store_groups(taper) == []


def test_gc_runtime_dirs_and_locks(taper):
    taper.ok("create", "c1", "-t", "busybox")
    rt = runtime_dir(taper.store, "gone")
    os.makedirs(rt)
    open(os.path.join(rt, "exit"), "w").close()
    locks = os.path.join(taper.store, ".locks")
    open(os.path.join(locks, "gone2"), "w").close()
    # A lock held by a command in progress is left alone.
    held = open(os.path.join(locks, "busy"), "w")
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        assert taper.ok("gc", "-n").stdout.splitlines() == [
            f"would remove runtime {rt}", "would remove lock gone2"]
        assert os.path.isdir(rt)
        assert taper.ok("gc").stdout.splitlines() == [f"removed runtime {rt}", "removed lock gone2"]
        assert not os.path.exists(rt)
        assert sorted(os.listdir(locks)) == [".idmap", "busy", "c1"]
    finally:
        held.close()
    assert taper.ok("gc").stdout.splitlines() == ["removed lock busy"]
    assert taper.ok("info", "c1").returncode == 0
    r = taper("gc", "extra")
    assert r.returncode == 2 and "Usage" in r.stderr
