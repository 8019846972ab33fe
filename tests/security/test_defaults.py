"""Defaults that go past docker's and LXC's, attacked from the outside.

- every system container `taper create` makes has a host id range of its
  own, so root of one container is not the host user root of another is;
- io_uring is refused by the default seccomp profile (docker's current
  profile, after the io_uring escapes of 2022-2023);
- a --tmpfs without size= is bounded, and a new system container has a
  pids limit in its config.

The containers come from the busybox template with loopback-only
networking (test_sysboot's helper); the static probe is copied in.
"""
import json
import os
import shutil
import subprocess

import pytest

from lifecycle_util import leftovers
from test_run import remove_store_cgroups, rootfs, run  # noqa: F401 (fixtures)
from test_sysboot import PROBE, make_system_container


def ranges_of(t, name):
    """[(kind, host, count)] of the container's idmap lines."""
    out = []
    for line in t.ok("config", name, "idmap").stdout.splitlines():
        kind, _, host, count = line.split()
        out.append((kind, int(host), int(count)))
    return out


def disjoint(a, b):
    return a[0] + a[1] <= b[0] or b[0] + b[1] <= a[0]


def init_pid(t, name):
    return [c for c in json.loads(t.ok("ls", "--format", "json").stdout)
            if c["name"] == name][0]["pid"]


def uids(pid):
    with open(f"/proc/{pid}/status") as f:
        return [line.split()[1:] for line in f if line.startswith(("Uid:", "Gid:"))]


def as_root_of(t, name, tmpdir, *probe_args):
    """The probe run with the credentials of root in the container's user
    namespace (nsenter enters it and becomes its uid 0), in the host's pid
    namespace: what root of that container could do to a process it gets
    to see (a shared or escaped pid namespace, a pidfd handed to it)."""
    probe = os.path.join(tmpdir, "probe-outside")
    if not os.path.exists(probe):
        shutil.copy2(PROBE, probe)
        os.chmod(probe, 0o755)
        os.chmod(tmpdir, 0o755)
    r = subprocess.run(["nsenter", "--user", "-t", str(init_pid(t, name)), "--", probe, *map(str, probe_args)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r
    return r.stdout.strip()


def test_each_container_gets_its_own_id_range(sys_taper, tmpdir_root):
    t = sys_taper
    make_system_container(t, "a")
    make_system_container(t, "b")
    ra, rb = ranges_of(t, "a"), ranges_of(t, "b")
    assert [k for k, _, _ in ra] == ["b"] and [k for k, _, _ in rb] == ["b"], (ra, rb)
    assert ra[0][2] == rb[0][2] == 65536
    assert disjoint(ra[0][1:], rb[0][1:]), (ra, rb)
    t.ok("start", "a")
    t.ok("start", "b")
    pa, pb = init_pid(t, "a"), init_pid(t, "b")
    # The inits run as different host users, each the root of its range.
    assert uids(pa) == [[str(ra[0][1])] * 4] * 2
    assert uids(pb) == [[str(rb[0][1])] * 4] * 2
    # Root of a may signal its own init, not b's: with one shared range the
    # kernel's same-uid rule let it.
    assert as_root_of(t, "a", tmpdir_root, "kill", pa, 0) == "ok"
    assert as_root_of(t, "a", tmpdir_root, "kill", pb, 0) == "errno 1 Operation not permitted"
    assert as_root_of(t, "a", tmpdir_root, "kill", pb, 9) == "errno 1 Operation not permitted"
    assert as_root_of(t, "b", tmpdir_root, "kill", pa, 0) == "errno 1 Operation not permitted"
    # Nor trace it (commoncap refuses a tracer outside the tracee's user
    # namespace already; the distinct uid keeps that so without it).
    assert as_root_of(t, "a", tmpdir_root, "ptrace", pb) == "errno 1 Operation not permitted"
    assert as_root_of(t, "a", tmpdir_root, "ptrace", pa) == "ok"
    assert init_pid(t, "b") == pb
    t.ok("stop", "a")
    t.ok("stop", "b")
    assert leftovers(t.store) == {}


def test_ranges_are_reused_kept_and_renewed(taper):
    t = taper
    for name in ("a", "b", "c"):
        t.ok("create", name, "-t", "busybox")
    a, b, c = (ranges_of(t, n)[0][1:] for n in ("a", "b", "c"))
    assert len({a, b, c}) == 3 and all(disjoint(x, y) for x, y in ((a, b), (a, c), (b, c)))
    # A destroyed container's range is the next one handed out.
    t.ok("destroy", "b")
    t.ok("create", "d", "-t", "busybox")
    assert ranges_of(t, "d")[0][1:] == b
    # A rename keeps the range; a clone, full or snapshot, gets its own.
    t.ok("rename", "d", "e")
    assert ranges_of(t, "e")[0][1:] == b
    t.ok("clone", "a", "full")
    t.ok("clone", "--snapshot", "a", "snap")
    seen = [ranges_of(t, n)[0][1:] for n in ("a", "c", "e", "full", "snap")]
    assert all(disjoint(x, y) for i, x in enumerate(seen) for y in seen[i + 1:]), seen


def test_a_hand_set_idmap_is_kept_and_avoided(sys_taper):
    t = sys_taper
    t.ok("create", "first", "-t", "busybox")
    base = ranges_of(t, "first")[0][1]
    # Take by hand the range the next create would get, as u and g lines.
    make_system_container(t, "manual")
    t.ok("config", "manual", "--unset", "idmap")
    t.ok("config", "manual", "idmap", f"u 0 {base + 65536} 65536")
    t.ok("config", "manual", "idmap", f"g 0 {base + 65536} 65536")
    t.ok("create", "next", "-t", "busybox")
    nxt = ranges_of(t, "next")[0][1:]
    assert disjoint(nxt, (base + 65536, 65536)) and disjoint(nxt, (base, 65536)), nxt
    # The hand-set map is what the container runs with.
    t.ok("start", "manual")
    assert uids(init_pid(t, "manual")) == [[str(base + 65536)] * 4] * 2
    t.ok("stop", "manual")
    # A clone of a hand-written map copies it: the user wrote it.
    t.ok("config", "manual", "idmap", "u 65536 5000000 1")
    t.ok("clone", "manual", "copy")
    assert ranges_of(t, "copy") == ranges_of(t, "manual")


def test_concurrent_creates_get_disjoint_ranges(taper):
    t = taper
    names = [f"c{i}" for i in range(6)]
    env = dict(os.environ)
    env.pop("TAPER_PATH", None)
    procs = [subprocess.Popen([t.binary, "--path", t.store, "create", n, "-t", "busybox"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
             for n in names]
    for p in procs:
        out, errout = p.communicate(timeout=300)
        assert p.returncode == 0, errout
    seen = [ranges_of(t, n)[0][1:] for n in names]
    assert all(disjoint(x, y) for i, x in enumerate(seen) for y in seen[i + 1:]), seen


def test_a_broken_config_stops_the_pick(taper):
    t = taper
    t.ok("create", "a", "-t", "busybox")
    with open(os.path.join(t.store, "a", "config"), "a") as f:
        f.write("idmap = b 0 1000000\n")
    r = t("create", "b", "-t", "busybox")
    assert r.returncode == 1
    cfg = os.path.join(os.path.realpath(t.store), "a", "config")
    assert r.stderr == (f'taper: create: container "b": id range: {cfg}: '
                        f'invalid id map "b 0 1000000"\n'), r
    assert not os.path.exists(os.path.join(t.store, "b"))
    assert [e for e in os.listdir(t.store) if e.startswith(".tmp-")] == []


EPERM = "errno 1 Operation not permitted"


def test_io_uring_is_refused_in_taper_run(taper, rootfs):  # noqa: F811
    r = run(taper, rootfs, "--", "/probe", "io_uring")
    assert r.returncode == 0 and r.stdout.strip() == EPERM, r
    # Not even with CAP_SYS_ADMIN, which opens docker's gated rules.
    r = run(taper, rootfs, "--cap-add", "SYS_ADMIN", "--", "/probe", "io_uring")
    assert r.returncode == 0 and r.stdout.strip() == EPERM, r
    # The kernel has io_uring: the profile, not the host, refuses it.
    r = run(taper, rootfs, "--seccomp", "unconfined", "--", "/probe", "io_uring")
    assert r.returncode == 0 and r.stdout.strip() == "ok", r


def test_io_uring_is_refused_in_a_system_container(sys_taper):
    t = sys_taper
    make_system_container(t, "a")
    t.ok("start", "a")
    assert t.ok("attach", "a", "--", "/probe", "io_uring").stdout.strip() == EPERM
    t.ok("stop", "a")
    t.ok("config", "a", "seccomp.profile", "unconfined")
    t.ok("start", "a")
    assert t.ok("attach", "a", "--", "/probe", "io_uring").stdout.strip() == "ok"
    t.ok("stop", "a")
    assert leftovers(t.store) == {}


def tmpfs_options(taper, rootfs, *flags):
    r = run(taper, rootfs, *flags, "--", "/bin/sh", "-c", "grep ' /scratch ' /proc/mounts")
    assert r.returncode == 0, r
    return r.stdout.split()[3].split(",")


def test_tmpfs_without_size_is_bounded(taper, rootfs):  # noqa: F811
    # The kernel's default would be half of the host's RAM, per mount.
    opts = tmpfs_options(taper, rootfs, "--tmpfs", "/scratch")
    assert "size=65536k" in opts and "nr_inodes=16384" in opts, opts
    # Filling it stops at 64 MiB with ENOSPC, not at the host's memory.
    r = run(taper, rootfs, "--tmpfs", "/scratch", "--", "/bin/sh", "-c",
            "dd if=/dev/zero of=/scratch/fill bs=1M count=80 2>&1; "
            "echo size $(($(stat -c %s /scratch/fill) >> 20))")
    assert "No space left on device" in r.stdout, r
    assert r.stdout.split()[-2:] == ["size", "64"], r
    # A size given is the size; a size given alone keeps the kernel's inodes.
    opts = tmpfs_options(taper, rootfs, "--tmpfs", "/scratch:size=1m")
    assert "size=1024k" in opts and not any(o.startswith("nr_inodes=16384") for o in opts), opts


def test_new_containers_have_a_pids_limit(sys_taper):
    t = sys_taper
    make_system_container(t, "a")
    assert t.ok("config", "a", "cgroup.pids.max").stdout == "2048\n"
    t.ok("start", "a")
    shown = json.loads(t.ok("limit", "a", "--format", "json").stdout)
    assert shown["limits"]["pids"]["kernel"] == "2048", shown
    # A fork bomb inside stops there (EAGAIN), whatever the host has left.
    out = t.ok("attach", "a", "--", "/probe", "fork", "3000").stdout.split()
    assert out[0] == "forked" and 2000 <= int(out[1]) < 2048 and out[2:] == ["errno", "11"], out
    # The user may raise it or lift it.
    t.ok("limit", "a", "--pids", "max")
    assert t("config", "a", "cgroup.pids.max").returncode != 0
    shown = json.loads(t.ok("limit", "a", "--format", "json").stdout)
    assert shown["limits"]["pids"]["kernel"] == "max", shown
    t.ok("stop", "a")
    assert leftovers(t.store) == {}
