"""taper snapshot (lxc-snapshot): named copies of a stopped container, kept
in its directory, restored in place or as a new container. Every container
comes from `taper create -t busybox`, as a user makes one."""
import json
import os

from lifecycle_util import leftovers


def snaps(t, name):
    return json.loads(t.ok("snapshot", name, "ls", "--format", "json").stdout)


def test_create_list_restore_remove(sys_taper):
    t = sys_taper
    t.ok("create", "c1", "-t", "busybox")
    rootfs = os.path.join(t.store, "c1", "rootfs")
    assert t.ok("snapshot", "c1", "-c", "fresh").stdout == "snap0\n"
    with open(os.path.join(rootfs, "etc", "marker"), "w") as f:
        f.write("after snap0\n")
    # A sparse file stays sparse in the copy (clone.c's copier).
    with open(os.path.join(rootfs, "sparse"), "wb") as f:
        f.truncate(64 << 20)
    assert t.ok("snapshot", "c1", "create", "with-marker").stdout == "with-marker\n"
    assert t.ok("snapshot", "c1").stdout == "snap1\n"
    listed = snaps(t, "c1")
    assert [s["name"] for s in listed] == ["snap0", "snap1", "with-marker"]
    assert listed[0]["comment"] == "fresh" and listed[1]["comment"] == ""
    assert all(s["created"] > 0 for s in listed)
    table = t.ok("snapshot", "c1", "ls").stdout.splitlines()
    assert table[0].split() == ["NAME", "CREATED", "COMMENT"] and "fresh" in table[1]
    kept = os.path.join(t.store, "c1", "snaps", "with-marker", "rootfs")
    assert open(os.path.join(kept, "etc", "marker")).read() == "after snap0\n"
    assert os.stat(os.path.join(kept, "sparse")).st_blocks == 0

    # In place: the rootfs and config are the snapshot's again.
    t.ok("config", "c1", "start.order", "7")
    t.ok("snapshot", "c1", "restore", "snap0")
    assert not os.path.exists(os.path.join(rootfs, "etc", "marker"))
    assert "not set" in t("config", "c1", "start.order").stderr
    assert [e for e in os.listdir(os.path.join(t.store, "c1")) if e.startswith(".")] == []
    t.ok("start", "c1")
    assert t.ok("attach", "c1", "--", "hostname").stdout.strip() == "c1"
    t.ok("stop", "c1")

    # As a new container: a clone of the snapshot, with a name of its own.
    t.ok("snapshot", "c1", "restore", "with-marker", "c2")
    assert open(os.path.join(t.store, "c2", "rootfs", "etc", "marker")).read() == "after snap0\n"
    assert t.ok("config", "c2", "uts.name").stdout.strip() == "c2"
    assert t.ok("config", "c2", "idmap").stdout != t.ok("config", "c1", "idmap").stdout
    assert not os.path.exists(os.path.join(t.store, "c2", "snaps"))
    t.ok("start", "c2")
    assert t.ok("attach", "c2", "--", "cat", "/etc/marker").stdout == "after snap0\n"
    t.ok("stop", "c2")

    t.ok("snapshot", "c1", "rm", "snap1")
    assert [s["name"] for s in snaps(t, "c1")] == ["snap0", "with-marker"]
    # The next automatic name is past the highest, never a reused one.
    assert t.ok("snapshot", "c1").stdout == "snap1\n"
    assert leftovers(t.store) == {}


def test_refusals(sys_taper):
    t = sys_taper
    t.ok("create", "c1", "-t", "busybox")
    t.ok("snapshot", "c1", "create", "s")
    r = t("snapshot", "c1", "create", "s")
    assert r.returncode == 1 and "already exists" in r.stderr, r
    r = t("snapshot", "c1", "rm", "nosuch")
    assert r.returncode == 1 and 'no snapshot "nosuch"' in r.stderr, r
    r = t("snapshot", "c1", "restore", "nosuch")
    assert r.returncode == 1 and 'no snapshot "nosuch"' in r.stderr, r
    r = t("snapshot", "c1", "create", "../x")
    assert r.returncode == 1 and "../x" in r.stderr, r
    r = t("snapshot", "nosuch", "ls")
    assert r.returncode == 1 and "not found" in r.stderr, r
    r = t("snapshot", "c1", "frobnicate")
    assert r.returncode == 2 and r.stderr.count("taper: snapshot:") == 1, r
    r = t("snapshot", "c1", "ls", "--format", "xml")
    assert r.returncode == 2 and "xml" in r.stderr, r
    r = t("snapshot", "c1", "restore", "s", "c1-copy", "extra")
    assert r.returncode == 2, r
    t.ok("start", "c1")
    for argv in (["snapshot", "c1"], ["snapshot", "c1", "restore", "s"]):
        r = t(*argv)
        assert r.returncode == 1 and "stop it first" in r.stderr, r
    t.ok("stop", "c1")
    r = t("snapshot", "c1", "restore", "s", "c1")  # its own name: in place
    assert r.returncode == 0, r
    assert t("snapshot", "c1", "restore", "s", "bad/name").returncode == 1
    h = t.ok("snapshot", "--help")
    assert h.stdout.startswith("Usage: taper snapshot") and h.stderr == ""


def test_destroy_keeps_snapshots_unless_asked(sys_taper):
    t = sys_taper
    t.ok("create", "c1", "-t", "busybox")
    t.ok("snapshot", "c1")
    t.ok("snapshot", "c1")
    r = t("destroy", "c1")
    assert r.returncode == 1 and "2 snapshots" in r.stderr and "-s" in r.stderr, r
    r = t("destroy", "-f", "c1")
    assert r.returncode == 1 and "-s" in r.stderr, r
    assert t.ok("ls", "-q").stdout == "c1\n"
    # Snapshots follow a rename.
    t.ok("rename", "c1", "c9")
    assert len(snaps(t, "c9")) == 2
    t.ok("destroy", "-s", "c9")
    assert t.ok("ls", "-q").stdout == ""
    assert [e for e in os.listdir(t.store) if not e.startswith(".")] == []


def test_a_crashed_build_is_never_listed_and_is_swept(sys_taper):
    t = sys_taper
    t.ok("create", "c1", "-t", "busybox")
    t.ok("snapshot", "c1")
    # What a crash during a create or a restore leaves behind.
    os.makedirs(os.path.join(t.store, "c1", "snaps", ".tmp-snap1", "rootfs"))
    os.makedirs(os.path.join(t.store, "c1", ".restore", "rootfs"))
    assert [s["name"] for s in snaps(t, "c1")] == ["snap0"]
    assert os.listdir(os.path.join(t.store, "c1", "snaps")) == ["snap0"]
    assert not os.path.exists(os.path.join(t.store, "c1", ".restore"))


def test_snapshot_of_an_overlay_clone(sys_taper):
    t = sys_taper
    t.ok("create", "base", "-t", "busybox")
    t.ok("clone", "--snapshot", "base", "ov")
    os.makedirs(os.path.join(t.store, "ov", "overlay", "upper", "etc"), exist_ok=True)
    with open(os.path.join(t.store, "ov", "overlay", "upper", "etc", "upper-only"), "w") as f:
        f.write("up\n")
    t.ok("snapshot", "ov")
    kept = os.path.join(t.store, "ov", "snaps", "snap0", "rootfs")
    # The merged view is kept: the lower layer and the upper.
    assert os.path.exists(os.path.join(kept, "bin", "busybox"))
    assert open(os.path.join(kept, "etc", "upper-only")).read() == "up\n"
    r = t("snapshot", "ov", "restore", "snap0")
    assert r.returncode == 1 and "new container" in r.stderr, r
    t.ok("snapshot", "ov", "restore", "snap0", "full")
    assert open(os.path.join(t.store, "full", "rootfs", "etc", "upper-only")).read() == "up\n"
    assert not os.path.exists(os.path.join(t.store, "full", "overlay"))
