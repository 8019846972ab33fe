"""taper clone --ephemeral (lxc-copy -e): a copy started at once and
destroyed, under its lock, once it stops."""
import json
import os
import signal

from lifecycle_util import leftovers, make_container, wait_for


def names(t):
    return t.ok("ls", "-q").stdout.split()


def test_ephemeral_copy_goes_when_it_stops(sys_taper):
    t = sys_taper
    t.ok("create", "c1", "-t", "busybox")
    t.ok("clone", "--ephemeral", "c1", "tmp1")
    st = {r["name"]: r["state"] for r in json.loads(t.ok("ls", "--format", "json").stdout)}
    assert st == {"c1": "STOPPED", "tmp1": "RUNNING"}
    assert t.ok("config", "tmp1", "ephemeral").stdout.strip() == "true"
    # An overlay on c1's idmapped rootfs, not a copy of it: what the copy
    # writes is in its upper layer.
    with open(os.path.join(t.store, "tmp1", "overlay", "lower")) as f:
        assert f.read() == "c1"
    t.ok("attach", "tmp1", "--", "sh", "-c", "echo scratch > /etc/scratch")
    assert os.path.exists(os.path.join(t.store, "tmp1", "overlay", "upper", "etc", "scratch"))
    assert not os.path.exists(os.path.join(t.store, "c1", "rootfs", "etc", "scratch"))
    t.ok("stop", "tmp1")
    assert wait_for(lambda: names(t) == ["c1"]), names(t)
    assert not os.path.exists(os.path.join(t.store, "tmp1"))
    # The process that destroyed an ephemeral one may still be ending.
    assert wait_for(lambda: leftovers(t.store) == {}), leftovers(t.store)
    # The source is as it was, and starts.
    t.ok("start", "c1")
    t.ok("stop", "c1")


def test_ephemeral_goes_when_its_init_exits_by_itself(sys_taper):
    t = sys_taper
    # The copy is an overlay on the source's rootfs, idmapped or not.
    make_container(t, "base", ["init.cmd = /bin/sh -c 'sleep 0.5'"])
    t.ok("clone", "-e", "base", "brief")
    assert os.path.isdir(os.path.join(t.store, "brief", "overlay")) or "brief" not in names(t)
    assert wait_for(lambda: names(t) == ["base"]), names(t)
    # The process that destroyed an ephemeral one may still be ending.
    assert wait_for(lambda: leftovers(t.store) == {}), leftovers(t.store)


def test_a_crashed_monitor_leaves_a_removable_stopped_copy(sys_taper):
    t = sys_taper
    t.ok("create", "c1", "-t", "busybox")
    t.ok("clone", "-e", "c1", "tmp1")
    info = json.loads(t.ok("info", "tmp1", "--format", "json").stdout)
    mon = info["monitor_pid"]
    assert mon > 0, info
    os.kill(mon, signal.SIGKILL)
    # Nobody reaps it now: stopped, it stays, for the user to remove.
    t.ok("stop", "-k", "tmp1")
    assert {r["name"]: r["state"] for r in json.loads(t.ok("ls", "--format", "json").stdout)} \
        == {"c1": "STOPPED", "tmp1": "STOPPED"}
    t.ok("destroy", "tmp1")
    assert names(t) == ["c1"]
    # The process that destroyed an ephemeral one may still be ending.
    assert wait_for(lambda: leftovers(t.store) == {}), leftovers(t.store)


def test_refusals(sys_taper):
    t = sys_taper
    t.ok("create", "c1", "-t", "busybox")
    r = t("clone", "-e", "-s", "c1", "x")
    assert r.returncode == 2, r
    r = t("clone", "-e", "nosuch", "x")
    assert r.returncode == 1 and "not found" in r.stderr, r
    t.ok("start", "c1")
    r = t("clone", "-e", "c1", "x")
    assert r.returncode == 1 and "stop it first" in r.stderr, r
    assert names(t) == ["c1"]
    # A copy that cannot start is not left behind.
    t.ok("stop", "c1")
    t.ok("config", "c1", "init.cmd", "/no/such/init")
    r = t("clone", "-e", "c1", "x")
    assert r.returncode == 1 and r.stderr.count("taper: clone:") == 1, r
    assert names(t) == ["c1"]
