"""Idmapped mounts (config.md "Mounts": idmap, ridmap, a mount's
uidMappings and gidMappings) and namespaces joined by path for the user
and the mount namespace (config-linux.md "Namespaces").

An idmapped mount shows on-disk id D as the id its maps give D taken as a
container id: with the container's own maps (0 -> 100000 here), a file
host root owns appears owned by the container's root, and what that root
creates lands on disk owned by 0. runc 1.1 (Debian 12) runs an idmap
mount as a plain bind without a word, and refuses to join a user
namespace without being given its maps again ("User namespaces enabled,
but no uid mappings found"), so taper-oci is compared with crun 1.8,
which does both as taper does, else checked against what the host sees.
"""
import json
import os
import shutil
import subprocess
import time

import pytest

BASE_ID = 100000
USERNS = {
    "uidMappings": [{"containerID": 0, "hostID": BASE_ID, "size": 65536}],
    "gidMappings": [{"containerID": 0, "hostID": BASE_ID, "size": 65536}],
}
CRUN = shutil.which("crun")


def userns_rootfs(tmpdir_root):
    """A busybox rootfs the container's root (host 100000) owns."""
    from conftest import make_busybox_rootfs
    d = make_busybox_rootfs(os.path.join(tmpdir_root, "rootfs-userns"))
    subprocess.run(["chown", "-hR", f"{BASE_ID}:{BASE_ID}", d], check=True)
    os.chmod(tmpdir_root, 0o755)
    return d


def with_userns(c):
    c["linux"]["namespaces"].append({"type": "user"})
    c["linux"].update(USERNS)
    # A fresh sysfs and cgroup mount in a user namespace need more than
    # this test needs: /sys as the host's, read-only.
    c["mounts"] = [m for m in c["mounts"] if m["destination"] not in ("/sys", "/sys/fs/cgroup")]
    c["mounts"].append({"destination": "/sys", "type": "bind", "source": "/sys",
                        "options": ["rbind", "ro", "nosuid", "nodev", "noexec"]})


@pytest.fixture
def volume(tmpdir_root):
    """A directory of the host's (ext4 under /tmp) with a file of host root
    and one of host uid 100000."""
    d = os.path.join(tmpdir_root, "volume")
    os.makedirs(d)
    for name, owner in (("root-file", 0), ("high-file", BASE_ID)):
        with open(os.path.join(d, name), "w") as f:
            f.write(name)
        os.chown(os.path.join(d, name), owner, owner)
    os.chmod(d, 0o777)
    return d


def run(rt, b, cid="c"):
    r = rt("run", "--bundle", b, cid)
    return r.returncode, r.stdout, r.stderr


def crun(tmpdir_root, b, cid):
    """crun 1.8 run in a mount namespace of its own without the cgroup2
    mount of this hybrid host, which it refuses (HOST.md)."""
    root = os.path.join(tmpdir_root, "root-crun")
    cfg_path = os.path.join(b, "config.json")
    with open(cfg_path) as f:
        cfg = json.load(f)
    cfg["linux"].pop("resources", None)
    cfg["linux"]["cgroupsPath"] = f"/taper-test-crun-{os.getpid()}-{cid}"
    crun_b = b + "-crun"
    os.makedirs(crun_b, exist_ok=True)
    with open(os.path.join(crun_b, "config.json"), "w") as f:
        json.dump(cfg, f)
    script = (f"umount /sys/fs/cgroup/unified 2>/dev/null; "
              f"exec {CRUN} --root {root} run --bundle {crun_b} {cid}")
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                       capture_output=True, text=True, timeout=60)
    subprocess.run([CRUN, "--root", root, "delete", "-f", cid], capture_output=True)
    for top in ("/sys/fs/cgroup/" + d for d in os.listdir("/sys/fs/cgroup")):
        p = os.path.join(top, cfg["linux"]["cgroupsPath"].lstrip("/"))
        if os.path.isdir(p):
            os.rmdir(p)
    return r.returncode, r.stdout, r.stderr


# ---- idmapped mounts ----------------------------------------------------

SHOW = ("stat -c '%n %u:%g' /v/root-file /v/high-file; "
        "touch /v/made-inside && stat -c '%n %u:%g' /v/made-inside")


def idmapped(volume, **extra):
    def change(c):
        with_userns(c)
        m = {"destination": "/v", "type": "bind", "source": volume, "options": ["bind", "idmap"]}
        m.update(extra)
        c["mounts"].append(m)
    return change


def test_idmap_takes_the_user_namespace_maps(oci, bundle, volume, tmpdir_root):
    rootfs = userns_rootfs(tmpdir_root)
    b = bundle(idmapped(volume), lambda c: c["root"].update(path=rootfs, readonly=False),
               args=["sh", "-c", SHOW])
    code, out, err = run(oci, b)
    assert code == 0, err
    # Host root's file is the container root's; host 100000's (container
    # root's on a plain bind) is on-disk id 100000, which the maps do not
    # cover as a container id: nobody.
    assert out == "/v/root-file 0:0\n/v/high-file 65534:65534\n/v/made-inside 0:0\n", out
    st = os.stat(os.path.join(volume, "made-inside"))
    assert (st.st_uid, st.st_gid) == (0, 0)
    if CRUN:
        os.unlink(os.path.join(volume, "made-inside"))
        assert crun(tmpdir_root, b, "c-crun")[:2] == (0, out)


def test_a_plain_bind_shows_the_ids_on_disk(oci, bundle, volume, tmpdir_root):
    """The control: without idmap the same volume shows the host's ids
    through the user namespace, and the container writes as host 100000."""
    rootfs = userns_rootfs(tmpdir_root)
    b = bundle(idmapped(volume, options=["bind"]), lambda c: c["root"].update(path=rootfs, readonly=False),
               args=["sh", "-c", "stat -c '%n %u:%g' /v/root-file /v/high-file"])
    code, out, err = run(oci, b)
    assert code == 0, err
    assert out == "/v/root-file 65534:65534\n/v/high-file 0:0\n", out


def test_a_mount_s_own_maps(oci, bundle, volume, tmpdir_root):
    """On-disk 0 as container id 0 -> host 101000: container uid 1000; and
    on-disk 100000 (container id 100000 -> host 100000): container root."""
    rootfs = userns_rootfs(tmpdir_root)
    maps = [{"containerID": 0, "hostID": BASE_ID + 1000, "size": 1},
            {"containerID": BASE_ID, "hostID": BASE_ID, "size": 1}]
    b = bundle(idmapped(volume, uidMappings=maps, gidMappings=maps),
               lambda c: c["root"].update(path=rootfs, readonly=False),
               args=["sh", "-c", SHOW])
    code, out, err = run(oci, b)
    assert code == 0, err
    assert out == "/v/root-file 1000:1000\n/v/high-file 0:0\n/v/made-inside 0:0\n", out
    st = os.stat(os.path.join(volume, "made-inside"))
    assert (st.st_uid, st.st_gid) == (BASE_ID, BASE_ID)
    if CRUN:
        os.unlink(os.path.join(volume, "made-inside"))
        assert crun(tmpdir_root, b, "c-crun")[:2] == (0, out)


def test_idmap_without_a_user_namespace(oci, bundle, volume, tmpdir_root):
    """A mount's maps need no user namespace of the container's: on-disk
    100000 as host 0 is root's, on-disk 0 is not mapped (nobody)."""
    maps = [{"containerID": BASE_ID, "hostID": 0, "size": 1}]

    def change(c):
        c["mounts"].append({"destination": "/v", "type": "bind", "source": volume,
                            "options": ["rbind", "ridmap", "ro"], "uidMappings": maps, "gidMappings": maps})
    b = bundle(change, args=["sh", "-c", "stat -c '%n %u:%g' /v/root-file /v/high-file; "
                                         "touch /v/x 2>/dev/null || echo read-only"])
    code, out, err = run(oci, b)
    assert code == 0, err
    assert out == "/v/root-file 65534:65534\n/v/high-file 0:0\nread-only\n", out
    if CRUN:
        assert crun(tmpdir_root, b, "c-crun")[:2] == (0, out)


def test_idmap_on_a_filesystem_that_cannot(oci, bundle, tmpdir_root):
    """/proc cannot be idmapped: one line naming the mount and why."""
    maps = [{"containerID": 0, "hostID": 0, "size": 1}]
    b = bundle(lambda c: c["mounts"].append({"destination": "/v", "type": "bind", "source": "/proc/sys",
                                             "options": ["bind", "idmap"],
                                             "uidMappings": maps, "gidMappings": maps}))
    code, out, err = run(oci, b)
    assert code != 0
    assert err == ("taper-oci: idmapped mount /proc/sys on /v: its filesystem cannot be idmapped: "
                   "Invalid argument\n"), err
    assert oci("list", "-q").stdout == ""


def test_features_says_idmap(oci):
    f = json.loads(oci.ok("features").stdout)
    assert {"idmap", "ridmap"} <= set(f["mountOptions"])
    assert f["linux"]["mountExtensions"] == {"idmap": {"enabled": True}}


IDMAP_REFUSED = [
    (lambda c: c["mounts"].append({"destination": "/x", "type": "bind", "source": "/tmp",
                                   "options": ["bind", "idmap"]}),
     "mounts[7]: idmap without uidMappings and gidMappings takes the user namespace's maps, "
     "and the container has no user namespace"),
    (lambda c: c["mounts"].append({"destination": "/x", "type": "tmpfs", "source": "tmpfs",
                                   "options": ["idmap"]}),
     "mounts[7].options: idmap on a tmpfs mount: only a bind mount can be idmapped"),
    (lambda c: c["mounts"].append({"destination": "/x", "type": "bind", "source": "/tmp", "options": ["rbind"],
                                   "uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]}),
     "mounts[7].gidMappings: missing: an idmapped mount maps both uids and gids"),
    (lambda c: c["mounts"].append({"destination": "/x", "type": "bind", "source": "/tmp", "options": ["rbind"],
                                   "uidMappings": [{"containerID": 0, "hostID": 1, "size": 0}],
                                   "gidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]}),
     "mounts[7].uidMappings[0].size: 0 ids do not fit"),
]


@pytest.mark.parametrize("change,want", IDMAP_REFUSED, ids=[w.split(":")[1].strip()[:30] for _, w in IDMAP_REFUSED])
def test_idmap_refusals(change, want, oci, bundle):
    b = bundle(change)
    r = oci("create", "--bundle", b, "bad")
    assert r.returncode == 1
    assert r.stderr.startswith(f"taper-oci: {b}/config.json: {want}"), r.stderr
    assert r.stderr.count("\n") == 1
    assert not os.path.exists(os.path.join(oci.root, "bad"))


# ---- joining a user namespace -------------------------------------------

@pytest.fixture
def userns_holder():
    """A process parked in a user namespace of its own (0 -> 100000), with
    a new network namespace that namespace owns."""
    p = subprocess.Popen(["unshare", "-U", "-n", "sleep", "600"])
    for _ in range(500):
        if os.readlink(f"/proc/{p.pid}/ns/user") != os.readlink("/proc/self/ns/user"):
            break
        time.sleep(0.01)
    for f in ("uid_map", "gid_map"):
        with open(f"/proc/{p.pid}/{f}", "w") as m:
            m.write(f"0 {BASE_ID} 65536\n")
    yield p
    p.kill()
    p.wait()


JOIN_SHOW = ("cat /proc/self/uid_map /proc/self/gid_map; readlink /proc/self/ns/user; readlink /proc/self/ns/net; "
             "id -u")


def joined_userns(pid, net=False):
    def change(c):
        with_userns(c)
        del c["linux"]["uidMappings"], c["linux"]["gidMappings"]
        for n in c["linux"]["namespaces"]:
            if n["type"] == "user" or (net and n["type"] == "network"):
                n["path"] = f"/proc/{pid}/ns/{'user' if n['type'] == 'user' else 'net'}"
    return change


def test_join_a_user_namespace(oci, bundle, tmpdir_root, userns_holder):
    rootfs = userns_rootfs(tmpdir_root)
    pid = userns_holder.pid
    b = bundle(joined_userns(pid, net=True), lambda c: c["root"].update(path=rootfs, readonly=False),
               args=["sh", "-c", JOIN_SHOW])
    code, out, err = run(oci, b)
    assert code == 0, err
    lines = out.split()
    maps = open(f"/proc/{pid}/uid_map").read().split()
    assert lines[:3] == maps and lines[3:6] == maps, out
    assert lines[6:8] == [os.readlink(f"/proc/{pid}/ns/user"), os.readlink(f"/proc/{pid}/ns/net")], out
    assert lines[8] == "0"
    if CRUN:
        assert crun(tmpdir_root, b, "c-crun")[:2] == (0, out)


def test_join_a_user_namespace_with_new_namespaces_it_owns(oci, bundle, tmpdir_root, userns_holder):
    """The container's new namespaces belong to the joined user namespace:
    its root may mount proc for its new pid namespace, set its host name."""
    rootfs = userns_rootfs(tmpdir_root)
    caps = ["CAP_SYS_ADMIN"]
    b = bundle(joined_userns(userns_holder.pid), lambda c: c["root"].update(path=rootfs, readonly=False),
               lambda c: c["process"].update(capabilities={k: caps for k in ("bounding", "effective", "permitted")}),
               args=["sh", "-c", "hostname; echo $$; mount -t tmpfs t /tmp && echo mounted"])
    code, out, err = run(oci, b)
    assert code == 0, err
    assert out == "oci\n1\nmounted\n", out


def test_exec_into_a_container_in_a_joined_user_namespace(oci, bundle, tmpdir_root, userns_holder):
    rootfs = userns_rootfs(tmpdir_root)
    b = bundle(joined_userns(userns_holder.pid), lambda c: c["root"].update(path=rootfs, readonly=False),
               args=["sleep", "600"])
    oci.ok("run", "-d", "--bundle", b, "c")
    r = oci.ok("exec", "c", "sh", "-c", "readlink /proc/self/ns/user; id -u")
    assert r.stdout == f"{os.readlink(f'/proc/{userns_holder.pid}/ns/user')}\n0\n", r.stdout
    oci("kill", "c", "KILL")


def test_joined_user_namespace_refuses_maps(oci, bundle, userns_holder):
    def change(c):
        joined_userns(userns_holder.pid)(c)
        c["linux"].update(USERNS)
    b = bundle(change)
    r = oci("create", "--bundle", b, "bad")
    assert r.returncode == 1
    assert r.stderr.startswith(f"taper-oci: {b}/config.json: linux.uidMappings: given for the user namespace "
                               f"joined at /proc/{userns_holder.pid}/ns/user, which has its own"), r.stderr


def test_join_a_user_namespace_that_is_not_one(oci, bundle, tmpdir_root):
    rootfs = userns_rootfs(tmpdir_root)

    def change(c):
        joined_userns(os.getpid())(c)
        c["linux"]["namespaces"][-1]["path"] = "/proc/self/ns/net"
    b = bundle(change, lambda c: c["root"].update(path=rootfs, readonly=False))
    code, out, err = run(oci, b)
    assert code != 0
    assert err == "taper-oci: user namespace /proc/self/ns/net: not a user namespace: Invalid argument\n", err
    assert oci("list", "-q").stdout == ""


def test_join_the_runtime_s_own_user_namespace(oci, bundle):
    def change(c):
        joined_userns("self")(c)
    b = bundle(change)
    code, out, err = run(oci, b)
    assert code != 0
    assert err == ("taper-oci: user namespace /proc/self/ns/user is the runtime's own: leave the path out to "
                   "share it, or give none to make one\n"), err


# ---- joining a mount namespace ------------------------------------------

def bare(c):
    """What a joined mount namespace allows: no mount, masked or read-only
    path, a writable root."""
    c["mounts"] = []
    c["root"]["readonly"] = False
    del c["linux"]["maskedPaths"], c["linux"]["readonlyPaths"]


def test_join_the_mount_namespace_of_another_container(oci, bundle):
    """The second container sees the first one's file system (a file the
    first one made in its /tmp) and no rootfs of its own is built."""
    first = bundle(args=["sh", "-c", "touch /tmp/first-was-here; exec sleep 600"])
    with open(os.path.join(first, "config.json")) as f:
        cfg = json.load(f)
    cfg["root"]["readonly"] = False
    cfg["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]})
    with open(os.path.join(first, "config.json"), "w") as f:
        json.dump(cfg, f)
    oci.ok("run", "-d", "--bundle", first, "first")
    pid = oci.state("first")["pid"]
    for _ in range(500):
        if os.path.exists(f"/proc/{pid}/root/tmp/first-was-here"):
            break
        time.sleep(0.01)

    def join(c):
        bare(c)
        for n in c["linux"]["namespaces"]:
            if n["type"] == "mount":
                n["path"] = f"/proc/{pid}/ns/mnt"
    second = bundle(join, args=["sh", "-c", "ls /tmp; readlink /proc/self/ns/mnt 2>/dev/null || echo no-proc"])
    code, out, err = run(oci, second, "second")
    assert code == 0, err
    # Its /proc is the first container's (a pid namespace it is not in).
    assert out.split("\n")[0] == "first-was-here", out
    oci("kill", "first", "KILL")


JOIN_MNT_REFUSED = [
    (lambda c: c["mounts"].append({"destination": "/x", "type": "tmpfs", "source": "tmpfs"}), "mounts"),
    (lambda c: c["root"].update(readonly=True), "root.readonly"),
    (lambda c: c["linux"].update(maskedPaths=["/proc/kcore"]), "linux.maskedPaths"),
    (lambda c: c["linux"].update(rootfsPropagation="rslave"), "linux.rootfsPropagation"),
    (lambda c: c["linux"].update(sysctl={"net.ipv4.ip_forward": "1"}), "linux.sysctl"),
]


@pytest.mark.parametrize("change,where", JOIN_MNT_REFUSED, ids=[w for _, w in JOIN_MNT_REFUSED])
def test_joined_mount_namespace_refuses_mounts(change, where, oci, bundle):
    def join(c):
        bare(c)
        for n in c["linux"]["namespaces"]:
            if n["type"] == "mount":
                n["path"] = "/proc/1/ns/mnt"
        change(c)
    b = bundle(join)
    r = oci("create", "--bundle", b, "bad")
    assert r.returncode == 1
    assert r.stderr.startswith(f"taper-oci: {b}/config.json: {where}: the mount namespace /proc/1/ns/mnt is "
                               "joined as it is: the runtime makes no mount in it"), r.stderr
    assert not os.path.exists(os.path.join(oci.root, "bad"))
