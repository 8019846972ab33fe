"""Helpers for the lifecycle tests: containers made by hand in a test's
store, the store's id, and a check that nothing of a store is left."""
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


def make_container(store, name, rootfs, extra=()):
    """<store>/<name>/config pointing at rootfs (shared, read-mostly)."""
    d = os.path.join(store, name)
    os.makedirs(os.path.join(d, "rootfs"), exist_ok=True)
    lines = [f"rootfs.path = {rootfs}", f"init.cmd = {INIT}", "stop.signal = SIGUSR2",
             "stop.timeout = 10"]
    keys = {e.split("=", 1)[0].strip() for e in extra}
    lines = [l for l in lines if l.split("=", 1)[0].strip() not in keys] + list(extra)
    with open(os.path.join(d, "config"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return d


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
