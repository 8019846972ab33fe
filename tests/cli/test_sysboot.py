"""System containers as `taper create` makes them: a user namespace with an
idmapped rootfs, the cgroup tree at /sys/fs/cgroup, and the broad
capability set that is safe only because of the user namespace.

Containers come from the busybox template (so with the defaults a new
container gets), with loopback-only networking (net.0.type = empty) and a
shell init that leaves on SIGUSR2. The probe (tests/probe/probe.c) is
copied in for the system calls busybox cannot make.
"""
import json
import os
import re
import shutil
import socket
import subprocess

import pytest

from conftest import TAPER
from lifecycle_util import INIT, leftovers, store_id

BUILD = os.environ.get("TAPER_BUILD") or os.path.dirname(TAPER)
PROBE = os.path.join(BUILD, "tests", "probe", "probe")
HYBRID = os.path.isdir("/sys/fs/cgroup/unified") or os.path.isdir("/sys/fs/cgroup/memory")

CAP_SYS_ADMIN = 21
CAP_SYS_MODULE = 16


def make_system_container(t, name, extra=()):
    """`taper create -t busybox`, kept off the host's network."""
    t.ok("create", name, "-t", "busybox")
    t.ok("config", name, "net.0.type", "empty")
    t.ok("config", name, "--unset", "net.0.link")
    t.ok("config", name, "init.cmd", INIT)
    t.ok("config", name, "stop.signal", "SIGUSR2")
    for key, value in extra:
        t.ok("config", name, key, value)
    rootfs = os.path.join(t.store, name, "rootfs")
    shutil.copy2(PROBE, os.path.join(rootfs, "probe"))
    return rootfs


def sh(t, name, script):
    return t("attach", name, "--", "/bin/sh", "-c", script)


def idmap_of(t, name):
    """The (container, host, count) uid range the config names."""
    line = t.ok("config", name, "idmap").stdout.splitlines()[0]
    kind, c, h, n = line.split()
    assert kind in ("b", "u")
    return int(c), int(h), int(n)


def cgroup_dir(store, name, hierarchy):
    base = "/sys/fs/cgroup" if not HYBRID else f"/sys/fs/cgroup/{hierarchy}"
    return f"{base}/taper/{store_id(store)}/{name}"


def test_new_container_defaults(taper):
    taper.ok("create", "bb", "-t", "busybox")
    cfg = taper.ok("config", "bb").stdout
    assert re.search(r"^idmap = [bu] 0 \d+ \d+$", cfg, re.M), cfg
    assert "rootfs.idmap = true\n" in cfg
    # On disk the tree stays host root's: nothing was chowned.
    st = os.stat(os.path.join(taper.store, "bb", "rootfs", "etc", "passwd"))
    assert (st.st_uid, st.st_gid) == (0, 0)
    # So a setuid file the container's root makes is host root's: no host
    # user but root may reach into the container's directory.
    assert os.stat(os.path.join(taper.store, "bb")).st_mode & 0o777 == 0o700
    os.chmod(os.path.dirname(taper.store), 0o711)  # the test's own temp dir
    os.chmod(taper.store, 0o711)
    assert subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           "stat", os.path.join(taper.store, "bb")],
                          capture_output=True).returncode == 0
    probe = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            "stat", os.path.join(taper.store, "bb", "rootfs", "bin", "busybox")],
                           capture_output=True, text=True)
    assert probe.returncode != 0 and "Permission denied" in probe.stderr, probe.stderr


def test_userns_and_idmapped_rootfs(sys_taper):
    t = sys_taper
    rootfs = make_system_container(t, "bb")
    c, h, n = idmap_of(t, "bb")
    t.ok("start", "bb")
    fields = t.ok("attach", "bb", "--", "cat", "/proc/self/uid_map").stdout.split()
    assert [int(x) for x in fields] == [c, h, n]
    # Host root's files appear owned by the container's root...
    assert sh(t, "bb", "stat -c %u:%g /etc/passwd /bin/busybox").stdout.split() == ["0:0", "0:0"]
    # ...and what the container's root writes lands on disk as host root,
    # whatever the container's uid maps to on the host.
    t.ok("attach", "bb", "--", "/bin/sh", "-c",
         "echo hi > /root/made-inside && chown 1000:1000 /tmp && touch /tmp/x")
    st = os.stat(os.path.join(rootfs, "root", "made-inside"))
    assert (st.st_uid, st.st_gid) == (0, 0)
    st = os.stat(os.path.join(rootfs, "tmp"))
    assert (st.st_uid, st.st_gid) == (1000, 1000)
    # The processes run as the shifted ids on the host.
    pid = json.loads(t.ok("ls", "--format", "json").stdout)[0]["pid"]
    with open(f"/proc/{pid}/status") as f:
        uids = [l for l in f if l.startswith("Uid:")][0].split()[1:]
    assert uids == [str(h)] * 4
    t.ok("stop", "bb")
    assert leftovers(t.store) == {}


@pytest.mark.skipif(not os.path.isdir("/sys/fs/cgroup/systemd"),
                    reason="host without a name=systemd hierarchy")
def test_cgroup_tree_hybrid(sys_taper):
    t = sys_taper
    make_system_container(t, "bb", [("cgroup.memory.max", "256M")])
    t.ok("start", "bb")
    # The cgroup namespace: every hierarchy shows the container's group as "/".
    lines = t.ok("attach", "bb", "--", "cat", "/proc/self/cgroup").stdout.split()
    assert lines and all(l.endswith(":/") for l in lines), lines
    mounts = t.ok("attach", "bb", "--", "cat", "/proc/self/mounts").stdout
    cg = {m[1]: m for m in (l.split() for l in mounts.splitlines())
          if m[1].startswith("/sys/fs/cgroup")}
    assert cg["/sys/fs/cgroup"][2] == "tmpfs" and cg["/sys/fs/cgroup"][3].startswith("ro,")
    assert cg["/sys/fs/cgroup/systemd"][3].startswith("rw,")
    assert "name=systemd" in cg["/sys/fs/cgroup/systemd"][3]
    assert cg["/sys/fs/cgroup/memory"][3].startswith("ro,")
    if os.path.isdir("/sys/fs/cgroup/unified"):
        assert cg["/sys/fs/cgroup/unified"][2] == "cgroup2"
        assert cg["/sys/fs/cgroup/unified"][3].startswith("rw,")
    # Its own limit at the root of its view; nothing of the host above it.
    assert sh(t, "bb", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes").stdout.strip() == \
        str(256 << 20)
    assert sh(t, "bb", "ls /sys/fs/cgroup/memory/taper /sys/fs/cgroup/systemd/release_agent"
              " 2>&1; true").stdout.count("No such file") == 2
    # name=systemd is writable, and it is the container's own sub-tree.
    r = sh(t, "bb", "mkdir /sys/fs/cgroup/systemd/probe.scope && "
           "echo $$ > /sys/fs/cgroup/systemd/probe.scope/cgroup.procs && echo moved")
    assert r.stdout.strip() == "moved", r
    assert os.path.isdir(os.path.join(cgroup_dir(t.store, "bb", "systemd"), "probe.scope"))
    # Controllers are read-only, and stay out of reach even remounted
    # read-write: the limit files belong to host root.
    r = sh(t, "bb", "echo 1G > /sys/fs/cgroup/memory/memory.limit_in_bytes")
    assert r.returncode != 0 and "Read-only" in r.stderr, r
    r = sh(t, "bb", "mount -o remount,rw /sys/fs/cgroup/memory && "
           "echo 1G > /sys/fs/cgroup/memory/memory.limit_in_bytes")
    assert r.returncode != 0, r
    with open(os.path.join(cgroup_dir(t.store, "bb", "memory"), "memory.limit_in_bytes")) as f:
        assert int(f.read()) == 256 << 20
    t.ok("stop", "bb")
    assert leftovers(t.store) == {}


def test_cgroup_mount_none_and_ro(sys_taper):
    t = sys_taper
    make_system_container(t, "a", [("mount.cgroup", "none")])
    make_system_container(t, "b", [("mount.cgroup", "ro")])
    t.ok("start", "a")
    t.ok("start", "b")
    assert " /sys/fs/cgroup" not in t.ok("attach", "a", "--", "cat", "/proc/self/mounts").stdout
    mounts = [l.split() for l in
              t.ok("attach", "b", "--", "cat", "/proc/self/mounts").stdout.splitlines()]
    cg = [m for m in mounts if m[1].startswith("/sys/fs/cgroup")]
    assert cg and all(m[3].startswith("ro,") for m in cg), cg
    t.ok("stop", "a")
    t.ok("stop", "b")
    assert leftovers(t.store) == {}


def test_userns_capabilities_stay_inside(sys_taper):
    t = sys_taper
    make_system_container(t, "bb")
    t.ok("start", "bb")
    status = t.ok("attach", "bb", "--", "cat", "/proc/self/status").stdout
    eff = int(re.search(r"^CapEff:\s*([0-9a-f]+)$", status, re.M).group(1), 16)
    assert eff & (1 << CAP_SYS_ADMIN) and not eff & (1 << CAP_SYS_MODULE)
    # CAP_SYS_ADMIN of the user namespace: mounts in its own mount namespace...
    r = sh(t, "bb", "mkdir -p /mnt/t && mount -t tmpfs t /mnt/t && echo x > /mnt/t/f && "
           "cat /mnt/t/f && mount -t tmpfs t /etc && echo over-etc")
    assert r.stdout.split() == ["x", "over-etc"], r
    # ...which never reach the host's.
    rootfs = os.path.realpath(os.path.join(t.store, "bb", "rootfs"))
    with open("/proc/self/mountinfo") as f:
        assert rootfs not in f.read()
    assert os.path.exists(os.path.join(rootfs, "etc", "passwd"))
    # Kernel-wide settings stay the host's, even with the read-only
    # /proc/sys unmounted: the files belong to host root.
    host_name = socket.gethostname()
    with open("/proc/sys/kernel/panic") as f:
        panic = f.read().strip()
    r = sh(t, "bb", "umount /proc/sys 2>/dev/null; echo evil > /proc/sys/kernel/hostname; "
           f"echo {panic} > /proc/sys/kernel/panic && echo wrote")
    assert "wrote" not in r.stdout and "denied" in r.stderr, r
    assert socket.gethostname() == host_name
    # No module loading: not in the set, and the kernel asks the host's
    # namespace anyway.
    assert t.ok("attach", "bb", "--", "/probe", "init-module").stdout.startswith("errno 1 ")
    # Devices: mknod of a real device is refused inside a user namespace.
    r = sh(t, "bb", "mknod /tmp/sda b 8 0 && head -c1 /tmp/sda >/dev/null && echo read")
    assert "read" not in r.stdout, r
    t.ok("stop", "bb")
    assert leftovers(t.store) == {}
