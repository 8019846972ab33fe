"""`taper attach -t`: the process's terminal is a pty of the container's own
devpts instance (a /dev/pts/N that exists in there, as after a login), and
a container whose /dev/ptmx is not the pty multiplexer gets a one-line
error and no process, never a pty from somewhere else.
"""
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time

import pytest

from lifecycle_util import make_container, make_privileged

ROWS, COLS = 33, 97
# Everything a process can learn about its terminal, one fact a line.
PROBE = ('tty; readlink /proc/self/fd/0; test -c "$(tty)" && echo is-a-device; '
         'stat -c %u "$(tty)"; stty size; echo written > "$(tty)"')


def attach_on_pty(t, name, script):
    """`taper attach -t NAME -- sh -c SCRIPT` with a terminal of
    ROWS x COLS as its stdio: (exit status, output as text)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    p = subprocess.Popen([t.binary, "--path", t.store, "attach", "-t", name, "--", "sh", "-c", script],
                         stdin=slave, stdout=slave, stderr=slave, close_fds=True,
                         start_new_session=True)
    os.close(slave)
    out = b""
    try:
        end = time.time() + 60  # a guard against a hang, not a timing check
        while time.time() < end:
            if not select.select([master], [], [], 0.5)[0]:
                if p.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break  # EIO: taper, the last holder of the slave, has gone
            if not chunk:
                break
            out += chunk
        return p.wait(timeout=30), out.decode(errors="replace").replace("\r\n", "\n")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)


def check_probe(rc, out, uid):
    lines = out.splitlines()
    assert rc == 0, out
    assert re.fullmatch(r"/dev/pts/\d+", lines[0]), out
    # fd 0 is that very node, and the node is there in the container.
    assert lines[1:] == [lines[0], "is-a-device", str(uid), f"{ROWS} {COLS}", "written"], out


def test_attach_tty_is_the_containers_pts(sys_taper):
    t = sys_taper
    # Privileged; test_attach_tty_in_a_user_namespace has the usual kind.
    make_container(t, "c1")
    make_privileged(t, "c1")
    t.ok("start", "c1")
    check_probe(*attach_on_pty(t, "c1", PROBE), uid=0)


def test_attach_tty_in_a_user_namespace(sys_taper):
    t = sys_taper
    make_container(t, "u1")
    t.ok("start", "u1")
    check_probe(*attach_on_pty(t, "u1", PROBE), uid=0)


def test_attach_tty_belongs_to_the_attached_user(sys_taper):
    t = sys_taper
    make_container(t, "c1", ["init.uid = 1000", "init.gid = 1000"])
    t.ok("start", "c1")
    check_probe(*attach_on_pty(t, "c1", PROBE), uid=1000)


def test_attach_tty_through_a_ptmx_node(sys_taper):
    """/dev/ptmx as a device node (5:2) rather than the usual symlink: the
    kernel takes the devpts instance at /dev/pts beside it."""
    t = sys_taper
    make_container(t, "c1")
    # Privileged: a device node needs CAP_MKNOD in the host's user
    # namespace, which the root of a user namespace never has.
    make_privileged(t, "c1")
    t.ok("start", "c1")
    t.ok("attach", "-T", "c1", "--", "sh", "-c", "rm /dev/ptmx && mknod -m 666 /dev/ptmx c 5 2")
    check_probe(*attach_on_pty(t, "c1", PROBE), uid=0)


def container_processes(t, name):
    """Commands of the container's processes but its init's: what an
    attach may have left behind (ps itself and the init's sleep aside)."""
    out = t.ok("attach", "-T", name, "--", "ps", "-o", "pid,comm").stdout.split("\n")[1:]
    rows = [l.split(None, 1) for l in out if l.strip()]
    return [c for pid, c in rows if pid != "1" and c not in ("ps", "sleep")]


# kind: (what the container's root puts at /dev/ptmx, the refusal, does
# it take a privileged container).
HOSTILE = {
    "regular file": ("touch /dev/ptmx", "is a regular file", False),
    "fifo": ("mkfifo /dev/ptmx", "is a FIFO", False),
    # mknod of a device takes CAP_MKNOD in the host's user namespace: only
    # a privileged root makes one; the root of a user namespace binds one.
    "other device": ("mknod -m 666 /dev/ptmx c 1 3", "is another character device", True),
    "other device, bound": ("touch /dev/ptmx && mount --bind /dev/null /dev/ptmx",
                            "is another character device", False),
    "directory": ("mkdir /dev/ptmx", "is a directory", False),
    # Resolved inside the container's root: the host file is not found.
    "symlink out": ("ln -s {escape} /dev/ptmx", "No such file or directory", False),
    # Through a /proc magic link (here to the container's own ptmx): refused.
    "magic link": ("ln -s /proc/1/root/dev/pts/ptmx /dev/ptmx", "Too many levels of symbolic links",
                   False),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_attach_tty_refuses_a_hostile_ptmx(sys_taper, kind):
    t = sys_taper
    setup, why, privileged = HOSTILE[kind]
    make_container(t, "c1")
    if privileged:
        make_privileged(t, "c1")
    t.ok("start", "c1")
    host_file = os.path.join(os.path.dirname(t.store), "host-ptmx")
    with open(host_file, "w"):
        pass
    setup = setup.format(escape="../" * 32 + host_file.lstrip("/"))
    t.ok("attach", "-T", "c1", "--", "sh", "-c", "rm /dev/ptmx && " + setup)
    r = t("attach", "-t", "c1", "--", "sh", "-c", "tty; sleep 30")
    assert r.returncode == 125, r
    assert r.stderr.count("\n") == 1 and "/dev/ptmx in the container" in r.stderr, r
    assert why in r.stderr, r
    assert r.stdout == "", r
    assert container_processes(t, "c1") == [], r
    with open(host_file) as f:
        assert f.read() == ""
