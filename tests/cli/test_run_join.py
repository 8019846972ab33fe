"""`taper run --net/--pid/--ipc/--uts ns:PATH`: the container joins a
namespace that exists already instead of creating one (podman's flags, the
OCI spec's namespace paths). The namespaces joined are held by a process
this module unshares, or a named network namespace it adds; nothing of the
host's own is joined or changed."""
import os
import random
import subprocess
import time

import pytest

from test_run import rootfs, run, taper_cgroups  # noqa: F401 (fixture)

KINDS = ("net", "ipc", "uts", "pid")


@pytest.fixture
def holder():
    """A process in new net, ipc, uts and pid namespaces, with a host name
    of its own; yields its pid (PID 1 of its pid namespace)."""
    name = f"holder-{os.getpid()}-{random.randrange(1 << 20):x}"
    p = subprocess.Popen(["unshare", "--net", "--ipc", "--uts", "--pid", "--fork", "--kill-child",
                          "sh", "-c", f"hostname {name} && echo ready && exec sleep 600"],
                         stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
            pid = int(f.read().split()[0])
        yield pid, name
    finally:
        p.kill()  # --kill-child: and the holder with it
        p.wait()


def ns_id(pid, kind):
    return os.readlink(f"/proc/{pid}/ns/{kind}")


@pytest.mark.parametrize("kind", KINDS)
def test_joins_the_namespace_at_the_path(taper, rootfs, holder, kind):  # noqa: F811
    pid, _ = holder
    r = run(taper, rootfs, f"--{kind}", f"ns:/proc/{pid}/ns/{kind}", "--",
            "readlink", f"/proc/self/ns/{kind}")
    assert r.returncode == 0, r
    assert r.stdout.strip() == ns_id(pid, kind)
    assert ns_id(pid, kind) != ns_id("self", kind)


def test_joined_namespaces_show_what_they_hold(taper, rootfs, holder):  # noqa: F811
    """The holder's host name, and its process as PID 1 of the pid
    namespace joined; the other namespaces are the container's own."""
    pid, name = holder
    r = run(taper, rootfs, "--uts", f"ns:/proc/{pid}/ns/uts", "--pid", f"ns:/proc/{pid}/ns/pid",
            "--", "sh", "-c", "hostname; cat /proc/1/comm; readlink /proc/self/ns/net")
    assert r.returncode == 0, r
    host, comm, net = r.stdout.split()
    assert (host, comm) == (name, "sleep")
    assert net not in (ns_id(pid, "net"), ns_id("self", "net"))


@pytest.fixture
def named_netns():
    """A named network namespace with a veth pair of its own in it."""
    name = f"taper-j{os.getpid()}{random.randrange(1 << 24):x}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "-n", name, "link", "add", "jtest0", "type", "veth", "peer", "name",
                        "jtest1"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def test_joins_a_named_network_namespace(taper, rootfs, named_netns):  # noqa: F811
    r = run(taper, rootfs, "--net", f"ns:/run/netns/{named_netns}", "--",
            "sh", "-c", "ls /sys/class/net | sort")
    assert r.returncode == 0, r
    assert r.stdout.split() == ["jtest0", "jtest1", "lo"]
    # Someone else's namespace: taper leaves its loopback as it found it.
    out = subprocess.run(["ip", "-n", named_netns, "-o", "link", "show", "lo"],
                         capture_output=True, text=True, check=True).stdout
    assert "state DOWN" in out, out


@pytest.mark.parametrize("args, msg", [
    (["--net", "ns:/proc/self/ns/uts"], "net namespace /proc/self/ns/uts: not a net namespace"),
    (["--ipc", "ns:/nonexistent/ipc"], "ipc namespace /nonexistent/ipc: No such file or directory"),
    (["--uts", "ns:/etc/hostname"], "uts namespace /etc/hostname: not a uts namespace"),
    (["--pid", "ns:relative/pid"], "--pid: expected private, host or ns:PATH (absolute)"),
    (["--userns", "--pid", "ns:/proc/1/ns/pid"],
     "a container with a user namespace of its own cannot join a pid namespace from outside it"),
])
def test_bad_namespace_paths_are_refused(taper, rootfs, args, msg):  # noqa: F811
    before = {p for p in os.listdir("/proc") if p.isdigit()}
    r = run(taper, rootfs, *args, "--", "true")
    assert r.returncode == 125, r
    assert msg in r.stderr, r
    assert len(r.stderr.strip().splitlines()) == 1, r
    assert taper_cgroups(taper) == []
    time.sleep(0.05)
    left = {p for p in os.listdir("/proc") if p.isdigit()} - before
    for p in left:
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                assert taper.store.encode() not in f.read()
        except (FileNotFoundError, ProcessLookupError):
            pass  # ended since it was listed (ESRCH on the read)


def test_host_and_private_modes(taper, rootfs):  # noqa: F811
    r = run(taper, rootfs, "--uts", "host", "--ipc", "host", "--pid", "private", "--",
            "sh", "-c", "hostname; readlink /proc/self/ns/ipc")
    assert r.returncode == 0, r
    host, ipc = r.stdout.split()
    assert host == os.uname().nodename
    assert ipc == ns_id("self", "ipc")
    r = run(taper, rootfs, "--uts", "host", "--hostname", "x", "--", "true")
    assert r.returncode == 125 and "--hostname needs a UTS namespace" in r.stderr, r
