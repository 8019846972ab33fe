"""End to end: a real Debian system container boots systemd under taper.

`taper create deb -t debian` (debootstrap from Debian's mirror the first
time, about two minutes; later creates extract the cached tree from
TAPER_CACHE, default /var/cache/taper, in seconds), `taper start`, systemd
reaches running (or degraded), `taper attach deb -- systemctl
is-system-running` says so, and `taper stop` (SIGRTMIN+3, systemd's halt)
ends it well inside the stop timeout, leaving nothing behind.

Runs when TAPER_E2E=1, or by default when the template cache already holds
the default tree (a warm cache keeps the test to seconds); skipped
otherwise, as it needs the network. Times are printed (pytest -s shows
them).
"""
import hashlib
import json
import os
import platform
import subprocess
import time

import pytest

from lifecycle_util import leftovers, runtime_dir

CACHE = os.environ.get("TAPER_CACHE", "/var/cache/taper")
STOP_TIMEOUT = 60


def host_release():
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("VERSION_CODENAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return None


def warm_cache():
    """Is the default tree (host release, minbase, systemd-sysv) cached?"""
    release = host_release()
    try:
        arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        arch = platform.machine()
    key = hashlib.sha256(b"minbase\nsystemd-sysv\n").hexdigest()[:16]
    return bool(release) and os.path.exists(
        os.path.join(CACHE, "debian", f"{release}-{arch}-minbase-{key}.tar"))


pytestmark = pytest.mark.skipif(
    os.environ.get("TAPER_E2E") != "1" and not warm_cache(),
    reason="needs TAPER_E2E=1 (downloads from Debian's mirror) or a warm debian cache")


def wait_running(t, name, timeout):
    """Poll systemctl is-system-running until it settles; its last answer."""
    end = time.monotonic() + timeout
    state = ""
    while time.monotonic() < end:
        r = t("attach", name, "--", "systemctl", "is-system-running")
        state = r.stdout.strip()
        if state in ("running", "degraded"):
            return state
        time.sleep(0.1)
    return state


def test_debian_boots_systemd_and_stops_cleanly(sys_taper):
    t = sys_taper
    env = {"TAPER_CACHE": CACHE}
    t0 = time.monotonic()
    t.ok("create", "deb", "-t", "debian", env=env, timeout=900)
    created = time.monotonic() - t0
    # Off the host's network: loopback only.
    t.ok("config", "deb", "net.0.type", "empty")
    t.ok("config", "deb", "--unset", "net.0.link")
    cfg = t.ok("config", "deb").stdout
    assert "stop.signal = SIGRTMIN+3\n" in cfg and "rootfs.idmap = true\n" in cfg

    t0 = time.monotonic()
    t.ok("start", "deb")
    state = wait_running(t, "deb", 120)
    booted = time.monotonic() - t0
    assert state in ("running", "degraded"), (
        state, t("attach", "deb", "--", "systemctl", "--failed", "--no-pager").stdout)
    r = t.ok("attach", "deb", "--", "systemctl", "is-system-running")
    assert r.stdout.strip() in ("running", "degraded")

    # systemd is PID 1 of a user namespace, tracking its units in the
    # container's own name=systemd (or cgroup2) tree.
    assert t.ok("attach", "deb", "--", "cat", "/proc/1/comm").stdout.strip() == "systemd"
    uid_map = t.ok("attach", "deb", "--", "cat", "/proc/self/uid_map").stdout.split()
    assert uid_map[0] == "0" and uid_map[1] != "0"
    cg = t.ok("attach", "deb", "--", "cat", "/proc/1/cgroup").stdout
    assert "/init.scope" in cg, cg
    # Its own machine id, not the cached tree's.
    mid = t.ok("attach", "deb", "--", "cat", "/etc/machine-id").stdout.strip()
    assert len(mid) == 32

    t0 = time.monotonic()
    t.ok("stop", "deb", timeout=STOP_TIMEOUT + 30)
    stopped = time.monotonic() - t0
    print(f"\ncreate {created:.1f} s, start to {state} {booted:.2f} s, stop {stopped:.2f} s")
    # systemd halted on SIGRTMIN+3: in a PID namespace reboot(2) ends
    # init as if by SIGINT; a SIGKILL after the timeout would say 9.
    assert stopped < STOP_TIMEOUT / 2
    with open(os.path.join(runtime_dir(t.store, "deb"), "exit")) as f:
        ex = f.read()
    assert "signal = 9" not in ex, ex
    with open(os.path.join(runtime_dir(t.store, "deb"), "console.log"), errors="replace") as f:
        console = f.read()
    assert "Welcome to" in console and "Reached target" in console
    assert "System Halt" in console or "Halting system" in console, console[-2000:]
    rows = json.loads(t.ok("ls", "--format", "json").stdout)
    assert rows[0]["state"] == "STOPPED"
    assert leftovers(t.store) == {}
    t.ok("destroy", "deb")
