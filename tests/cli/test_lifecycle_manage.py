"""taper clone / destroy / rename / autostart / wait."""
import json
import os
import stat
import subprocess
import time

from lifecycle_util import leftovers, make_container, make_privileged, runtime_dir, wait_for


def states(taper):
    return {r["name"]: r for r in json.loads(taper.ok("ls", "--format", "json").stdout)}


def test_clone_full_preserves_everything(sys_taper):
    t = sys_taper
    d = make_container(t, "src", ["uts.name = src"])
    r = os.path.join(d, "rootfs")
    with open(os.path.join(r, "etc", "owned"), "w") as f:
        f.write("data")
    os.chown(os.path.join(r, "etc", "owned"), 1234, 5678)
    os.chmod(os.path.join(r, "etc", "owned"), 0o4751)
    os.link(os.path.join(r, "etc", "owned"), os.path.join(r, "etc", "hardlink"))
    os.symlink("/etc/passwd", os.path.join(r, "etc", "abs-link"))
    os.symlink("../../../../../../../etc/shadow", os.path.join(r, "etc", "escape"))
    os.mknod(os.path.join(r, "dev-null"), 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    os.mkfifo(os.path.join(r, "fifo"))
    os.setxattr(os.path.join(r, "etc", "owned"), "user.note", b"kept")
    os.utime(os.path.join(r, "etc", "owned"), (1000000, 2000000))

    t.ok("clone", "src", "dst")
    c = os.path.join(t.store, "dst", "rootfs")
    st = os.lstat(os.path.join(c, "etc", "owned"))
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (1234, 5678, 0o4751)
    assert st.st_mtime == 2000000
    assert os.getxattr(os.path.join(c, "etc", "owned"), "user.note") == b"kept"
    assert os.lstat(os.path.join(c, "etc", "hardlink")).st_ino == st.st_ino
    assert os.readlink(os.path.join(c, "etc", "abs-link")) == "/etc/passwd"
    assert os.readlink(os.path.join(c, "etc", "escape")) == "../../../../../../../etc/shadow"
    dn = os.lstat(os.path.join(c, "dev-null"))
    assert stat.S_ISCHR(dn.st_mode) and dn.st_rdev == os.makedev(1, 3)
    assert stat.S_ISFIFO(os.lstat(os.path.join(c, "fifo")).st_mode)
    assert os.path.islink(os.path.join(c, "bin", "sh"))
    cfg = open(os.path.join(t.store, "dst", "config")).read()
    assert "uts.name = dst" in cfg and "rootfs.path = rootfs" in cfg
    # The copy is independent and runs.
    with open(os.path.join(c, "etc", "owned"), "w") as f:
        f.write("changed")
    assert open(os.path.join(r, "etc", "owned")).read() == "data"
    t.ok("start", "dst")
    out = t.ok("attach", "dst", "--", "hostname").stdout
    assert out.strip() == "dst"
    t.ok("stop", "dst")


def test_clone_refusals(sys_taper):
    t = sys_taper
    make_container(t, "a")
    make_container(t, "b")
    r = t("clone", "a", "b")
    assert r.returncode != 0 and "already exists" in r.stderr
    r = t("clone", "nosuch", "x")
    assert r.returncode != 0 and "not found" in r.stderr
    assert t("clone", "a", "../x").returncode != 0
    t.ok("start", "a")
    r = t("clone", "a", "c")
    assert r.returncode != 0 and "stop it first" in r.stderr
    assert "c" not in states(t)
    assert [e for e in os.listdir(t.store) if e.startswith(".tmp")] == []


def test_snapshot(sys_taper):
    t = sys_taper
    # Privileged: an overlay of plain layers (an unprivileged one's are
    # idmapped: test_snapshot_of_an_unprivileged_container).
    make_container(t, "base")
    make_privileged(t, "base")
    t.ok("clone", "--snapshot", "base", "snap")
    d = os.path.join(t.store, "snap")
    assert open(os.path.join(d, "overlay", "lower")).read() == "base"
    t.ok("start", "snap")
    t.ok("attach", "snap", "--", "sh", "-c", "echo written > /etc/snapfile")
    # Writes land in the snapshot's upper dir, never in the source.
    assert os.path.exists(os.path.join(d, "overlay", "upper", "etc", "snapfile"))
    assert not os.path.exists(os.path.join(t.store, "base", "rootfs", "etc", "snapfile"))
    # The overlay lives in the monitor's mount namespace only.
    with open("/proc/self/mountinfo") as f:
        assert os.path.join(d, "rootfs") not in f.read()
    t.ok("stop", "snap")
    assert leftovers(t.store) == {}
    r = t("clone", "--snapshot", "snap", "snap2")
    assert r.returncode != 0 and "snapshot itself" in r.stderr
    # A full clone of a snapshot copies the merged view.
    t.ok("clone", "snap", "full")
    assert open(os.path.join(t.store, "full", "rootfs", "etc", "snapfile")).read() == "written\n"
    # The source cannot go while a snapshot needs it, unless forced.
    r = t("destroy", "base")
    assert r.returncode != 0 and "snap" in r.stderr and "-f" in r.stderr
    t.ok("rename", "base", "base2")
    assert open(os.path.join(d, "overlay", "lower")).read() == "base2"
    t.ok("start", "snap")
    t.ok("stop", "snap")
    t.ok("destroy", "-f", "base2")
    r = t("start", "snap")
    assert r.returncode != 0 and "base2" in r.stderr
    assert leftovers(t.store) == {}


def test_snapshot_of_an_unprivileged_container(sys_taper):
    """`taper create` makes idmapped containers; their snapshots start on an
    overlay of idmapped layers, and what B writes stays B's."""
    t = sys_taper
    t.ok("create", "A", "-t", "busybox")
    t.ok("config", "A", "net.0.type", "empty")
    t.ok("config", "A", "--unset", "net.0.link")
    t.ok("clone", "A", "B", "--snapshot")
    assert t.ok("config", "B", "rootfs.idmap").stdout.strip() == "true"
    t.ok("start", "B")
    out = t.ok("attach", "B", "--", "sh", "-c",
               "stat -c %u:%g /bin/busybox; echo from-B > /etc/written; chown 1000:1000 /etc/written; "
               "cat /etc/written; whoami").stdout
    assert out.split() == ["0:0", "from-B", "root"], out
    upper = os.path.join(t.store, "B", "overlay", "upper", "etc", "written")
    # On disk with the ids the container gave it, unshifted; A never sees it.
    st = os.stat(upper)
    assert (st.st_uid, st.st_gid) == (1000, 1000)
    assert not os.path.exists(os.path.join(t.store, "A", "rootfs", "etc", "written"))
    with open("/proc/self/mountinfo") as f:
        assert os.path.join(t.store, "B", "rootfs") not in f.read()
    t.ok("stop", "B")
    # Again, on the work directory the first start left.
    t.ok("start", "B")
    assert t.ok("attach", "B", "--", "cat", "/etc/written").stdout == "from-B\n"
    t.ok("stop", "B")
    t.ok("start", "A")
    assert t("attach", "A", "--", "cat", "/etc/written").returncode != 0
    t.ok("stop", "A")
    assert leftovers(t.store) == {}


def test_destroy(sys_taper):
    t = sys_taper
    make_container(t, "c1")
    t.ok("start", "c1")
    r = t("destroy", "c1")
    assert r.returncode != 0 and "-f" in r.stderr
    assert states(t)["c1"]["state"] == "RUNNING"
    t.ok("destroy", "-f", "c1")
    assert "c1" not in states(t)
    assert not os.path.exists(os.path.join(t.store, "c1"))
    assert not os.path.exists(runtime_dir(t.store, "c1"))
    assert leftovers(t.store) == {}
    r = t("destroy", "c1")
    assert r.returncode != 0 and "not found" in r.stderr
    make_container(t, "c2")
    t.ok("destroy", "c2")
    assert os.listdir(t.store) in ([".locks"], [])


def test_rename(sys_taper):
    t = sys_taper
    make_container(t, "old", ["uts.name = old"])
    make_container(t, "other")
    t.ok("start", "old")
    r = t("rename", "old", "new")
    assert r.returncode != 0 and "stop it first" in r.stderr
    t.ok("stop", "old")
    r = t("rename", "old", "other")
    assert r.returncode != 0 and "already exists" in r.stderr
    assert t("rename", "old", "bad/name").returncode != 0
    t.ok("rename", "old", "new")
    s = states(t)
    assert "old" not in s and s["new"]["state"] == "STOPPED"
    assert "uts.name = new" in open(os.path.join(t.store, "new", "config")).read()
    t.ok("start", "new")
    assert t.ok("attach", "new", "--", "hostname").stdout.strip() == "new"


def test_autostart_order(sys_taper):
    t = sys_taper
    make_container(t, "late", ["start.auto = 1", "start.order = 20"])
    make_container(t, "early", ["start.auto = 1", "start.order = 1",
                                                       "start.delay = 1"])
    make_container(t, "manual")
    make_container(t, "broken", ["start.auto = 1", "start.order = 5",
                                                        "init.cmd = /no/such"])
    t0 = time.time()
    r = t("autostart")
    assert r.returncode == 1 and "broken" in r.stderr
    assert time.time() - t0 >= 1  # early's start.delay
    s = json.loads(t.ok("info", "early", "--format", "json").stdout)
    l = json.loads(t.ok("info", "late", "--format", "json").stdout)
    assert s["state"] == l["state"] == "RUNNING"
    assert s["started_at"] <= l["started_at"] and l["started_at"] - s["started_at"] >= 1
    assert states(t)["manual"]["state"] == "STOPPED"
    # Already running ones are left alone; a second run only retries broken.
    r = t("autostart")
    assert r.returncode == 1
    assert json.loads(t.ok("info", "early", "--format", "json").stdout)["pid"] == s["pid"]


def test_wait(sys_taper):
    t = sys_taper
    make_container(t, "c1", ["init.cmd = /bin/sh -c \"sleep 1\""])
    t.ok("wait", "c1", "stopped", "-t", "0")
    t0 = time.time()
    r = t("wait", "c1", "RUNNING", "-t", "1")
    assert r.returncode == 1 and "still STOPPED" in r.stderr
    assert 0.9 < time.time() - t0 < 5
    t.ok("start", "c1")
    t.ok("wait", "c1", "RUNNING", "-t", "5")
    t.ok("wait", "c1", "STOPPED", "-t", "10")
    assert t("wait", "c1", "ASLEEP").returncode == 2
    assert t("wait", "nosuch", "RUNNING", "-t", "1").returncode == 1


def test_no_lock_files_for_missing_containers(sys_taper):
    taper = sys_taper
    taper.ok("create", "c1", "-t", "busybox")
    for args in (["info", "nosuch"], ["stop", "nosuch"], ["start", "nosuch"], ["freeze", "nosuch"],
                 ["destroy", "nosuch"], ["rename", "nosuch", "x"], ["clone", "nosuch", "y"],
                 ["config", "nosuch", "init.cmd", "x"], ["limit", "nosuch", "--memory", "1M"],
                 ["create", "bad", "-t", "tarball", "--file", "/nonexistent"]):
        r = taper(*args)
        assert r.returncode != 0, args
    taper.ok("clone", "c1", "c2")
    taper.ok("rename", "c2", "c3")
    taper.ok("destroy", "c3")
    # .idmap: the store's id-range lock (container/idrange.h), not a name.
    assert sorted(os.listdir(os.path.join(taper.store, ".locks"))) == [".idmap", "c1"]
def autostart_list(t, *args):
    return [(e["name"], e["groups"]) for e in
            json.loads(t.ok("autostart", "-L", "--format", "json", *args).stdout)]


def test_autostart_groups_and_shutdown(sys_taper):
    """lxc-autostart's rules, on containers made as a user makes them."""
    t = sys_taper
    for n in ("a", "b", "web1", "db1", "manual"):
        t.ok("create", n, "-t", "busybox")
    for n in ("a", "b", "web1", "db1"):
        t.ok("config", n, "start.auto", "1")
    t.ok("config", "a", "start.order", "2")
    t.ok("config", "b", "start.order", "1")
    t.ok("config", "web1", "start.group", "web,all")
    t.ok("config", "db1", "start.group", "db")
    t.ok("config", "db1", "start.group", "all")
    t.ok("config", "manual", "start.group", "web")
    r = t("config", "manual", "start.group", "we/b")
    assert r.returncode != 0 and "we/b" in r.stderr
    # Without -g: only the containers in no group; start order, stop reversed.
    assert autostart_list(t) == [("b", []), ("a", [])]
    assert autostart_list(t, "-s") == [("a", []), ("b", [])]
    assert autostart_list(t, "-g", "web") == [("web1", ["web", "all"])]
    assert autostart_list(t, "-g", "all") == [("db1", ["db", "all"]), ("web1", ["web", "all"])]
    assert autostart_list(t, "-g", ",db") == [("db1", ["db", "all"]), ("b", []), ("a", [])]
    assert autostart_list(t, "-g", "db", "-g", "web") == autostart_list(t, "-g", "all")
    assert [n for n, _ in autostart_list(t, "-a")] == ["db1", "web1", "b", "a"]
    table = t.ok("autostart", "-L").stdout.splitlines()
    assert table[0].split() == ["NAME", "ORDER", "DELAY", "GROUPS"] and table[1].split()[0] == "b"
    assert states(t)["a"]["state"] == "STOPPED"  # -L acts on nothing

    t.ok("autostart", "-g", "web")
    st = states(t)
    assert st["web1"]["state"] == "RUNNING"
    assert all(st[n]["state"] == "STOPPED" for n in ("a", "b", "db1", "manual"))
    t.ok("autostart")
    assert states(t)["a"]["state"] == states(t)["b"]["state"] == "RUNNING"
    assert states(t)["db1"]["state"] == "STOPPED"
    # -r: down and up again (a new init).
    pid = states(t)["a"]["pid"]
    t.ok("autostart", "-r")
    assert states(t)["a"]["state"] == "RUNNING" and states(t)["a"]["pid"] != pid
    # -s: the no-group ones only; -k -a: the rest, at once.
    t.ok("autostart", "-s")
    st = states(t)
    assert st["a"]["state"] == st["b"]["state"] == "STOPPED" and st["web1"]["state"] == "RUNNING"
    t.ok("autostart", "-k", "-a")
    assert all(r["state"] == "STOPPED" for r in states(t).values())
    assert json.loads(t.ok("info", "web1", "--format", "json").stdout)["state"] == "STOPPED"
    r = t("autostart", "-s", "-k")
    assert r.returncode == 2
    r = t("autostart", "--format", "json")
    assert r.returncode == 2 and r.stderr.count("taper: autostart:") == 1
