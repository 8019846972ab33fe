"""linux.cgroupsPath (config-linux.md "Cgroups path"): an absolute path is
the container's group from the root of every hierarchy, a relative one is
under the runtime's own parent (taper: the group of its --root), the
systemd form goes with --systemd-cgroup. The groups exist where asked while
the container runs, and are gone after delete. Absolute paths stay under
taper/<sid of the test>/ here: no test makes groups elsewhere."""
import glob
import json
import os
import time

from conftest import store_id

# What this host mounts (HOST.md: hybrid), the cgroup2 one included.
HIERARCHIES = ["memory", "pids", "cpu,cpuacct", "freezer", "devices", "unified"]


def groups(rel):
    return {h: f"/sys/fs/cgroup/{h}/{rel}" for h in HIERARCHIES if os.path.isdir(f"/sys/fs/cgroup/{h}")}


def procs(path):
    with open(os.path.join(path, "cgroup.procs")) as f:
        return [int(x) for x in f.read().split()]


def cgroup_of(pid, controller):
    for line in open(f"/proc/{pid}/cgroup"):
        _, ctrls, path = line.rstrip("\n").split(":", 2)
        if controller in ctrls.split(",") or (controller == "" and ctrls == ""):
            return path
    return None


def wait_stopped(rt, cid):
    for _ in range(200):
        if rt.state(cid)["status"] == "stopped":
            return
        time.sleep(0.05)
    raise AssertionError(f"{rt.name}: {cid} never stopped")


def memory_limit(n):
    return lambda c: c["linux"]["resources"].update(memory={"limit": n})


def test_absolute_path_is_the_group_in_every_hierarchy(runtime, bundle):
    rel = f"taper/{runtime.sid}/abs/{runtime.name}-c1"
    b = bundle(lambda c: c["linux"].update(cgroupsPath="/" + rel), memory_limit(64 << 20),
               args=["sleep", "100"])
    runtime.ok("create", "--bundle", b, "c1")
    pid = runtime.state("c1")["pid"]
    where = groups(rel)
    assert where
    for h, path in where.items():
        if h == "unified" and runtime.name == "runc":
            continue  # runc leaves a hybrid host's cgroup2 alone
        assert pid in procs(path), (runtime.name, h)
    assert cgroup_of(pid, "memory") == "/" + rel
    with open(os.path.join(where["memory"], "memory.limit_in_bytes")) as f:
        assert int(f.read()) == 64 << 20
    runtime.ok("start", "c1")
    # The commands that reach the group find it there.
    assert pid in json.loads(runtime.ok("ps", "--format", "json", "c1").stdout)
    runtime.ok("pause", "c1")
    assert runtime.state("c1")["status"] == "paused"
    with open(os.path.join(where["freezer"], "freezer.state")) as f:
        assert f.read().strip() == "FROZEN"
    runtime.ok("resume", "c1")
    runtime.ok("kill", "--all", "c1", "KILL")
    wait_stopped(runtime, "c1")
    runtime.ok("delete", "c1")
    for h, path in where.items():
        assert not os.path.exists(path), (runtime.name, h)
        # The parents are the caller's: they stay.
        if h != "unified" or runtime.name != "runc":
            assert os.path.isdir(os.path.dirname(path)), (runtime.name, h)


def test_relative_path_is_under_the_roots_group(oci, bundle):
    """runc puts a relative path under its own process's group (here: the
    machine's, which tests leave alone): taper-oci alone. Under taper's own
    subtree the group is where the container needs it, as `taper run`'s:
    the cgroup2 part (device rules, kill, freezer, pids) and the v1
    hierarchies of its resources; an update that needs another one adds
    it, every process of the container moved in."""
    sid = store_id(oci.root)
    b = bundle(lambda c: c["linux"].update(cgroupsPath="pod1/r1"), memory_limit(64 << 20),
               args=["sh", "-c", "sleep 100 & exec sleep 101"])
    oci.ok("run", "-d", "--bundle", b, "r1")
    pid = oci.state("r1")["pid"]
    where = groups(f"taper/{sid}/pod1/r1")
    assert pid in procs(where["unified"]) and pid in procs(where["memory"])
    assert not os.path.exists(where["pids"])
    for _ in range(100):
        if len(procs(where["unified"])) == 2:
            break
        time.sleep(0.05)
    both = procs(where["unified"])
    assert len(both) == 2, both
    oci.ok("update", "--pids-limit", "30", "r1")
    assert sorted(procs(where["pids"])) == sorted(both)
    with open(os.path.join(where["pids"], "pids.max")) as f:
        assert f.read().strip() == "30"
    assert json.loads(oci.ok("events", "--stats", "r1").stdout)["data"]["pids"]["limit"] == 30
    # Frozen in cgroup2 where the group has no v1 freezer part.
    oci.ok("pause", "r1")
    assert oci.state("r1")["status"] == "paused"
    oci.ok("resume", "r1")
    assert oci.state("r1")["status"] == "running"
    oci.ok("delete", "--force", "r1")
    for h, path in where.items():
        assert not os.path.exists(path), h
        # Under taper's own subtree the emptied parents go too.
        assert not os.path.exists(os.path.dirname(path)), h


def test_a_group_in_use_is_refused_and_nothing_is_left(oci, bundle):
    rel = f"taper/{oci.sid}/abs/busy"
    b = bundle(lambda c: c["linux"].update(cgroupsPath="/" + rel), args=["sleep", "100"])
    oci.ok("run", "-d", "--bundle", b, "u1")
    pid = oci.state("u1")["pid"]
    r = oci("create", "--bundle", b, "u2")
    assert r.returncode == 1
    assert "Device or resource busy" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(oci.root, "u2"))
    # The first container still has its group.
    assert pid in procs(groups(rel)["memory"])
    oci.ok("delete", "--force", "u1")
    assert not os.path.exists(groups(rel)["memory"])


def test_systemd_form_needs_systemd(oci, bundle):
    b = bundle(lambda c: c["linux"].update(cgroupsPath="system.slice:taper:s1"), args=["true"])
    r = oci("--systemd-cgroup", "create", "--bundle", b, "s1")
    assert r.returncode == 1
    if not os.path.isdir("/run/systemd/system"):
        assert r.stderr == ("taper-oci: --systemd-cgroup: systemd is not running on this host (no "
                            "/run/systemd/system): drop the flag, cgroups are managed directly\n")
    assert not os.path.exists(os.path.join(oci.root, "s1"))
    assert not glob.glob("/sys/fs/cgroup/*/system.slice/taper-s1.scope")
