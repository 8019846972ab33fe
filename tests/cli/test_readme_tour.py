"""The README's short tour, line by line, as a user types it after `make
demo`: with `taper` as `make install` installs it, on the PATH.

Every line of the tour's code block must be run here (a new line without a
way to run it fails the test), in order, in one store (TAPER_PATH) and in a
network namespace of the test's own, so that the bridges, NAT rules and
forwarding the tour sets up never touch the host. ROOTFS is a busybox
rootfs, CMD /bin/true. Interactive lines run on a pty with what a user
would type.
"""
import os
import pty
import random
import re
import select
import subprocess
import time

import pytest

from conftest import ROOT

README = os.path.join(ROOT, "README.md")

# Lines a user answers: what they type, and what must show up before.
INTERACTIVE = {
    "taper run --rootfs ROOTFS --memory 64M --cpus 0.5 --pids-limit 100 --init -t -i -- /bin/sh":
        ("echo TOUR-$((1+1)); exit 7\n", "TOUR-2", 7),
    "taper attach una-caja": ("echo TOUR-$((2+2)); exit\n", "TOUR-4", 0),
    "taper console una-caja": ("\x01q", None, 0),
    "taper stats --watch": ("q", None, 0),
}


def tour_lines():
    text = open(README).read()
    block = text.split("## A short tour", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    lines = []
    for raw in block.splitlines():
        line = re.sub(r"\s+#.*$", "", raw).strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


@pytest.fixture
def tour_netns():
    name = f"taper-tour{os.getpid()}{random.randrange(1 << 20)}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def on_pty(argv, env, typed, expect, timeout=60):
    master, slave = pty.openpty()
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                         start_new_session=True)
    os.close(slave)
    out, sent, deadline = b"", False, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not sent and (expect is None or len(out) > 0):
                time.sleep(0.5)  # let the program reach its prompt or loop
                os.write(master, typed.encode())
                sent = True
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    chunk = b""
                if not chunk and p.poll() is not None:
                    break
                out += chunk
            elif p.poll() is not None:
                break
        rc = p.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)
    return rc, out.decode(errors="replace")


def test_readme_tour_runs_as_typed(installed, sys_taper, busybox_rootfs, tour_netns):
    lines = tour_lines()
    assert len(lines) > 25, lines
    # The tree is installed for /usr but lies in a DESTDIR: its monitor is
    # not where the binary will look for it once installed.
    env = dict(os.environ, PATH=f"{installed}/usr/bin:{os.environ['PATH']}",
               TAPER_PATH=sys_taper.store, TERM="xterm",
               TAPER_MONITOR=f"{installed}/usr/libexec/taper/taper-monitor")
    enter = ["nsenter", f"--net=/run/netns/{tour_netns}"]
    for line in lines:
        assert line.startswith("taper "), line
        cmd = line.replace("ROOTFS", busybox_rootfs).replace(" CMD", " /bin/true")
        if line in INTERACTIVE:
            typed, expect, want = INTERACTIVE[line]
            rc, out = on_pty(enter + ["bash", "-c", cmd], env, typed, expect)
            assert rc == want, (line, out)
            assert expect is None or expect in out, (line, out)
            continue
        r = subprocess.run(enter + ["bash", "-c", cmd], capture_output=True, text=True, env=env,
                           timeout=300, stdin=subprocess.DEVNULL)
        assert r.returncode == 0, (line, r.stdout, r.stderr)
        assert r.stderr == "" or line.startswith("taper run"), (line, r.stderr)
        assert r.stdout or line.split()[1] in (
            "run", "create", "start", "freeze", "stop", "clone", "rename", "config", "wait",
            "destroy", "limit", "network", "port", "gc"), (line, "printed nothing")
    unknown = [k for k in INTERACTIVE if k not in lines]
    assert unknown == [], "interactive lines no longer in the README"
