"""Helpers for the lifecycle tests: containers made as a user makes them
in a test's store, the store's id, and a check that nothing of a store is
left."""
import glob
import os
import subprocess
import time

from conftest import store_id  # noqa: F401 (re-exported for the tests)

# A busybox init that says hello on its console and leaves on SIGUSR2.
INIT = ("/bin/sh -c \"echo hello-console; trap 'echo bye; exit 0' USR2; "
        "while :; do sleep 1; done\"")


# The cookie of the network namespace python runs in (SO_NETNS_COOKIE).
NETNS_COOKIE = ("import socket\n"
                "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
                "print('%016x' % int.from_bytes(s.getsockopt(socket.SOL_SOCKET, 71, 8), 'little'))")


def lease_dir(netns_argv, bridge="taperbr0"):
    """The leases of bridge in the namespace netns_argv enters (["nsenter",
    "--net=..."]): /run/taper/net/<netns cookie>/<bridge>, shared by every
    store (net/ipam.h)."""
    cookie = subprocess.run(list(netns_argv) + ["/usr/bin/python3", "-c", NETNS_COOKIE],
                            capture_output=True, text=True, check=True).stdout.strip()
    return f"/run/taper/net/{cookie}/{bridge}"


def lease_owner(store, name):
    """What a lease file of container name of store holds."""
    return f"taper:ctr:{store_id(store)}:{name}"


def runtime_dir(store, name):
    return f"/run/taper/{store_id(store)}/{name}"


def make_container(taper, name, extra=()):
    """NAME made as a user makes one, `taper create NAME -t busybox` (an
    unprivileged container with a rootfs of its own, cgroup.pids.max 2048),
    then set up with `taper config` as a user would: the test's INIT on
    the console, stop by SIGUSR2 within 10 s, off the network (the created
    net.0 keys dropped), then each "key = value" of extra in order (a
    scalar key replaced, a list key one more entry). A test that needs a
    rootfs of its own kind sets rootfs.path or writes into
    <store>/NAME/rootfs. Returns the container's directory."""
    taper.ok("create", name, "-t", "busybox")
    # The link first: a net.0.link without its net.0.type is no config.
    for key in ("net.0.link", "net.0.type"):
        taper.ok("config", name, "--unset", key)
    configure(taper, name, [f"init.cmd = {INIT}", "stop.signal = SIGUSR2", "stop.timeout = 10"])
    configure(taper, name, extra)
    return os.path.join(taper.store, name)


def configure(taper, name, lines):
    """`taper config NAME KEY VALUE` for each "key = value" of lines."""
    for line in lines:
        key, value = (s.strip() for s in line.split("=", 1))
        taper.ok("config", name, key, value)


def make_privileged(taper, name):
    """Drop the user namespace `taper create` gave NAME (rootfs.idmap
    first: it needs an idmap): the container's root is the host's root."""
    for key in ("rootfs.idmap", "idmap"):
        taper.ok("config", name, "--unset", key)


def cgroups_of(store):
    sid = store_id(store)
    return [p for p in glob.glob(f"/sys/fs/cgroup/*/taper/{sid}/*") if os.path.isdir(p)]


def monitors_of(store):
    """pids of processes whose command line names this store."""
    out = []
    real = os.path.realpath(store)
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if any(a.decode(errors="replace") in (store, real) for a in argv) and b"taper" in argv[0]:
            out.append(int(pid))
    return out


def leftovers(store):
    """Everything a stopped store must not have: cgroups, monitors,
    runtime files but the exit record and console log."""
    left = {"cgroups": cgroups_of(store), "monitors": monitors_of(store), "runtime": []}
    base = f"/run/taper/{store_id(store)}"
    for name in (os.listdir(base) if os.path.isdir(base) else []):
        for f in os.listdir(os.path.join(base, name)):
            if f not in ("exit", "console.log"):
                left["runtime"].append(os.path.join(base, name, f))
    mine = lease_owner(store, "")
    left["leases"] = []
    for f in glob.glob("/run/taper/net/*/*/*"):
        try:
            with open(f) as fh:
                if fh.read().startswith(mine):
                    left["leases"].append(f)
        except OSError:
            pass
    return {k: v for k, v in left.items() if v}


def wait_for(pred, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def kill_all(taper):
    """Teardown: stop every container of the store, then kill stragglers."""
    store = taper.store
    if os.path.isdir(store):
        for name in os.listdir(store):
            if not name.startswith("."):
                taper("stop", "-k", name)
    for pid in monitors_of(store):
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    for cg in sorted(cgroups_of(store), key=len, reverse=True):
        subprocess.run(["sh", "-c", f"cat {cg}/cgroup.procs | xargs -r kill -9; rmdir {cg}"],
                       capture_output=True)
