"""Faults: taper killed at each step of a start or a run, a full disk, a
read-only store. Each gives one clear error (or a container that still
runs), leaks nothing (no host mount, no cgroup under taper's trees, no
process, no veth, no lease) and leaves the container manageable.

Steps are reached without timing: strace injects SIGKILL at the exit of
a system call that marks the step (the Nth pidfd_open, unshare, clone3
or wait4 of the process), so the process dies exactly there. Containers
with a veth live in a throwaway network namespace; stores on a small or
read-only filesystem live in a private mount namespace of the test.
"""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import uuid

import pytest

from conftest import TAPER, Result, Taper, make_busybox_rootfs, store_id
from lifecycle_util import leftovers, monitors_of, wait_for

pytestmark = pytest.mark.skipif(not shutil.which("strace"), reason="strace reaches the steps")

INIT = "/bin/sh -c 'trap \"exit 0\" USR2; while :; do sleep 1; done'"


@pytest.fixture
def netns():
    name = f"taper-f-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    yield name
    subprocess.run(["ip", "netns", "del", name])


class NsTaper(Taper):
    """taper in a network namespace of the test, optionally under strace."""

    def __init__(self, store, ns):
        super().__init__(store)
        self.ns = ns

    def argv(self, *args, strace=None):
        pre = ["nsenter", f"--net=/run/netns/{self.ns}"]
        if strace:
            pre += ["strace"] + strace
        return pre + [self.binary, "--path", self.store] + [str(a) for a in args]

    def __call__(self, *args, input=None, env=None, timeout=120, store=True):
        full_env = dict(os.environ)
        full_env.pop("TAPER_PATH", None)
        return Result(subprocess.run(self.argv(*args), input=input, capture_output=True,
                                     text=True, env=full_env, timeout=timeout))

    def killed_at(self, log, inject, *args, follow=False):
        """Runs taper ARGS under strace, SIGKILLing the traced process that
        makes the injected call; returns when that process is dead, with
        strace gone (its other tracees detached and running on)."""
        opts = ["-o", log, "-e", f"inject={inject}:signal=SIGKILL"]
        if follow:
            opts.insert(0, "-f")
        p = subprocess.Popen(self.argv(*args, strace=opts), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)

        def killed():
            with open(log) as f:
                return "+++ killed by SIGKILL +++" in f.read() or p.poll() is not None

        try:
            assert wait_for(lambda: os.path.exists(log) and killed(), timeout=60), log
            with open(log) as f:
                assert "+++ killed by SIGKILL +++" in f.read(), p.communicate()
        finally:
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)  # strace only: its tracees go on
            p.wait()
        return p


def veths(ns):
    out = subprocess.run(["ip", "-n", ns, "-o", "link", "show", "type", "veth"],
                         capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if l.strip()]


def host_mounts_of(*paths):
    with open("/proc/self/mountinfo") as f:
        return [l for l in f.read().splitlines() if any(p in l for p in paths)]


def processes_rooted_in(path):
    found = []
    for p in glob.glob("/proc/[0-9]*"):
        try:
            if os.readlink(p + "/root").startswith(path):
                found.append(p)
        except OSError:
            pass
    return found


def nothing_left(t, rootfs=None):
    """Everything a store with no running container must not have."""
    left = leftovers(t.store)
    if hasattr(t, "ns") and veths(t.ns):
        left["veths"] = veths(t.ns)
    mounts = host_mounts_of(os.path.realpath(t.store), *([rootfs] if rootfs else []))
    if mounts:
        left["mounts"] = mounts
    if rootfs and processes_rooted_in(rootfs):
        left["processes"] = processes_rooted_in(rootfs)
    return left


@pytest.fixture
def nst(taper, netns):
    """A busybox system container "c1" with a veth on taperbr0, in a
    network namespace of the test."""
    t = NsTaper(taper.store, netns)
    t.ok("create", "c1", "-t", "busybox")
    t.ok("config", "c1", "init.cmd", INIT)
    t.ok("config", "c1", "stop.signal", "SIGUSR2")
    yield t
    for n in os.listdir(t.store):
        if not n.startswith("."):
            t("stop", "-k", n)
    for pid in monitors_of(t.store):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # ended since it was listed
    for g in glob.glob(f"/sys/fs/cgroup/*/taper/{store_id(t.store)}/"):
        for sub in glob.glob(g + "*/"):
            try:
                os.rmdir(sub)
            except OSError:
                pass
        try:
            os.rmdir(g)
        except OSError:
            pass


def state(t, name="c1"):
    return {r["name"]: r for r in json.loads(t.ok("ls", "--format", "json").stdout)}[name]["state"]


def manageable(t):
    """The container starts, answers, stops and is destroyed, cleanly."""
    t.ok("start", "c1")
    assert state(t) == "RUNNING"
    assert t.ok("attach", "c1", "--", "echo", "alive").stdout == "alive\n"
    t.ok("stop", "c1")
    assert nothing_left(t) == {}
    t.ok("destroy", "c1")
    assert not os.path.exists(os.path.join(t.store, "c1"))


# --- the monitor killed at each step ------------------------------------------------

MONITOR_STEPS = {
    # after it wrote STARTING and bound its socket, before mounts, cgroups, veth
    "before-setup": "unshare:when=1",
    # right after it cloned init, before RUNNING
    "init-cloned": "clone3:when=1",
}


@pytest.mark.parametrize("step", sorted(MONITOR_STEPS))
def test_monitor_killed_while_starting(nst, tmpdir_root, step):
    """A monitor killed while it starts the container: the container is
    STOPPED, and starts, stops and is destroyed as usual after."""
    log = os.path.join(tmpdir_root, "strace.log")
    nst.killed_at(log, MONITOR_STEPS[step], "start", "c1", follow=True)
    assert wait_for(lambda: state(nst) == "STOPPED", timeout=30), state(nst)
    manageable(nst)


@pytest.mark.parametrize("step", sorted(MONITOR_STEPS))
def test_monitor_killed_while_starting_leaves_nothing(nst, tmpdir_root, step):
    """What the dead monitor had made (its state file and socket, once
    init is cloned its cgroups) is removed by the next `taper stop`,
    which finds the container dead."""
    log = os.path.join(tmpdir_root, "strace.log")
    nst.killed_at(log, MONITOR_STEPS[step], "start", "c1", follow=True)
    assert wait_for(lambda: state(nst) == "STOPPED", timeout=30), state(nst)
    nst("stop", "c1")
    assert wait_for(lambda: nothing_left(nst) == {}, timeout=10), nothing_left(nst)


def test_monitor_killed_while_running(nst):
    """A SIGKILLed monitor: the container runs on, and stop releases all."""
    nst.ok("start", "c1")
    run = f"/run/taper/{store_id(nst.store)}/c1"
    assert os.path.exists(os.path.join(run, "monitor.sock"))
    with open(os.path.join(run, "state")) as f:
        rec = dict(l.split(" = ", 1) for l in f.read().splitlines() if " = " in l)
    os.kill(int(rec["monitor.pid"]), signal.SIGKILL)
    assert wait_for(lambda: not monitors_of(nst.store), timeout=30)
    assert state(nst) == "RUNNING"
    nst.ok("stop", "c1")
    assert nothing_left(nst) == {}
    manageable(nst)


def test_start_killed_before_the_monitor_reports(nst, tmpdir_root):
    """`taper start` killed after it started the monitor (taper-monitor,
    spawned, has forked away from it and been reaped) as it begins to wait
    for the report (its first poll): the container comes up on its own and
    is managed as usual."""
    log = os.path.join(tmpdir_root, "strace.log")
    nst.killed_at(log, "poll:when=1", "start", "c1")
    # Up with its veth; or, should the monitor give up, STOPPED with no
    # monitor left (STOPPED alone is also what ls says before the monitor
    # has written its first state).
    assert wait_for(lambda: (state(nst) == "RUNNING" and len(veths(nst.ns)) == 1) or
                    (state(nst) == "STOPPED" and not monitors_of(nst.store)), timeout=30)
    if state(nst) == "RUNNING":
        nst.ok("stop", "c1")
    assert nothing_left(nst) == {}
    manageable(nst)


# --- taper run killed ---------------------------------------------------------------

@pytest.fixture
def run_rootfs(tmpdir_root):
    return make_busybox_rootfs(os.path.join(tmpdir_root, "rootfs"))


def test_run_killed_right_after_clone(taper, tmpdir_root, run_rootfs, netns):
    """`taper run` killed as its container child is born: the child, held
    on its sync socket, dies with it, and the group only the dead run knew
    of is reclaimed by the next run (named after the run's pid and start
    time, src/run/rungroup.c): no mount, no process, no group."""
    t = NsTaper(taper.store, netns)
    log = os.path.join(tmpdir_root, "strace.log")
    t.killed_at(log, "clone3:when=1", "run", "--rootfs", run_rootfs, "--", "true")
    assert wait_for(lambda: not processes_rooted_in(run_rootfs), timeout=30)
    assert t("run", "--rootfs", run_rootfs, "--", "true").returncode == 0
    assert nothing_left(t, run_rootfs) == {}


def test_run_killed_while_the_command_runs(taper, run_rootfs):
    """`taper run` killed while its command runs: the command follows it
    (parent-death signal), and `taper gc` reclaims the groups only the
    dead run knew of: nothing of the run stays."""
    marker = os.path.join(run_rootfs, "tmp", "running")
    p = subprocess.Popen([TAPER, "--path", taper.store, "run", "--rootfs", run_rootfs, "--",
                          "sh", "-c", "touch /tmp/running; exec sleep 1000"])
    try:
        assert wait_for(lambda: os.path.exists(marker), timeout=30)
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert wait_for(lambda: not processes_rooted_in(run_rootfs), timeout=30)
        taper.ok("gc")
        assert nothing_left(taper, run_rootfs) == {}
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        for d in glob.glob(f"/sys/fs/cgroup/*/taper/{store_id(taper.store)}/*/"):
            subprocess.run(["sh", "-c", f"cat {d}/cgroup.procs | xargs -r kill -9"])
            wait_for(lambda: not open(f"{d}/cgroup.procs").read(), 5)
            os.rmdir(d)
        for d in glob.glob(f"/sys/fs/cgroup/*/taper/{store_id(taper.store)}/"):
            os.rmdir(d)


# --- the store's filesystem -----------------------------------------------------------

def in_private_mounts(script, **env):
    """Runs a shell script in a private mount namespace of its own."""
    full = dict(os.environ, TAPER=TAPER, **env)
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, env=full, timeout=120)


@pytest.mark.parametrize("size,where", [("16k", r"copy /bin/busybox"), ("1m", r"copy /bin/busybox"),
                                        ("1950k", r"write /etc/[a-z]+")])
def test_create_on_a_full_disk(tmpdir_root, size, where):
    """The store fills up during `taper create`: one line names the file
    and ENOSPC, nothing of the container stays, and after room is made the
    same create works."""
    d = os.path.join(tmpdir_root, "small")
    os.mkdir(d)
    before = host_mounts_of(d)
    r = in_private_mounts(
        f'mount -t tmpfs -o size={size} none "$D" && "$TAPER" --path "$D/store" create c1 -t busybox; '
        'echo "rc=$?"; ls -A "$D/store"; '
        'mount -o remount,size=8m "$D" && "$TAPER" --path "$D/store" create c1 -t busybox >/dev/null && '
        '"$TAPER" --path "$D/store" ls --format json', D=d)
    lines = r.stdout.split("\n", 2)
    # The busybox copy, or the first of the files written after it.
    assert re.fullmatch('taper: create: container "c1": template busybox: '
                        f'{where}: No space left on device\n', r.stderr), r
    assert lines[:2] == ["rc=1", ".locks"], r
    assert [c["name"] for c in json.loads(lines[2])] == ["c1"], r
    assert host_mounts_of(d) == before == []


def test_store_on_a_read_only_filesystem(tmpdir_root):
    """A store that cannot be written: create, and start of a container
    made before the store went read-only, each name the file and EROFS in
    one line and leave nothing; with the store writable again the
    container starts and stops."""
    d = os.path.join(tmpdir_root, "ro")
    os.mkdir(d)
    store = os.path.join(d, "store")
    r = in_private_mounts(
        'T() { "$TAPER" --path "$D/store" "$@"; }; '
        'mount -t tmpfs -o size=8m none "$D" && mkdir "$D/store" && mount -o remount,ro "$D" && '
        'T create c1 -t busybox; echo "rc=$?"; ls -A "$D/store"; mount -o remount,rw "$D" && '
        'T create c1 -t busybox >/dev/null && T config c1 net.0.type empty && '
        'T config c1 --unset net.0.link && T config c1 init.cmd "$INIT" && '
        'T config c1 stop.signal SIGUSR2 && mount -o remount,ro "$D" && '
        'T start c1; echo "rc=$?"; T ls --format json; mount -o remount,rw "$D" && '
        'T start c1 && T attach c1 -- echo alive && T stop c1 && T destroy c1; echo "rc=$?"',
        D=d, INIT=INIT)
    assert r.stderr.splitlines() == [
        f"taper: create: lock directory {store}/.locks: Read-only file system",
        'taper: start: lock of container "c1": Read-only file system'], r
    out = r.stdout.split("\n", 2)
    assert out[:2] == ["rc=1", "rc=1"], r
    rows, rest = out[2].rsplit("]", 1)
    assert [c["state"] for c in json.loads(rows + "]")] == ["STOPPED"], r
    assert rest.split() == ["alive", "rc=0"], r
    assert leftovers(store) == {}
    assert host_mounts_of(d) == []
    shutil.rmtree(f"/run/taper/{store_id(store)}", ignore_errors=True)
