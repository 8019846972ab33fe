"""`taper console` on a container of the busybox template: a getty's login
prompt, root logs in with its empty password, and its shell knows who it is.

`taper console` runs on a pty of the test's own, as on a user's terminal.
The console replays its recent output first, so each answer is looked for
after what the test last saw.
"""
import os
import pty
import select
import subprocess
import time

from lifecycle_util import runtime_dir


class Console:
    """`taper console NAME` on a pty: send lines, wait for text."""

    def __init__(self, t, name):
        self.fd, slave = pty.openpty()
        self.p = subprocess.Popen([t.binary, "--path", t.store, "console", name], stdin=slave,
                                  stdout=slave, stderr=slave, close_fds=True, start_new_session=True)
        os.close(slave)
        self.out = b""
        self.seen = 0

    def expect(self, text, timeout=30):
        """Wait for text after what was seen; a guard against a hang, not
        a timing check. Returns what came before it."""
        end = time.time() + timeout
        while True:
            i = self.out.find(text, self.seen)
            if i >= 0:
                before, self.seen = self.out[self.seen:i], i + len(text)
                return before
            assert time.time() < end, (text, self.out[-2000:])
            if select.select([self.fd], [], [], 0.5)[0]:
                try:
                    self.out += os.read(self.fd, 65536)
                except OSError:
                    raise AssertionError((text, self.out[-2000:]))

    def send(self, line):
        os.write(self.fd, line.encode() + b"\r")

    def detach(self):
        os.write(self.fd, b"\x01q")
        try:
            return self.p.wait(timeout=30)
        finally:
            os.close(self.fd)


def test_console_offers_a_login_and_root_logs_in(sys_taper):
    t = sys_taper
    t.ok("create", "bb", "-t", "busybox")
    t.ok("config", "bb", "net.0.type", "empty")
    t.ok("config", "bb", "--unset", "net.0.link")
    t.ok("start", "bb")
    c = Console(t, "bb")
    try:
        c.send("")  # a fresh prompt after the replayed output
        c.expect(b"bb login: ")
        c.send("root")
        c.expect(b"# ")
        c.send("whoami; id -un; echo done-$((6*7))")
        c.expect(b"done-$((6*7))")  # the echo of the line
        answer = c.expect(b"done-42").decode().split()
        assert answer == ["root", "root"], c.out[-2000:]
        c.send("exit")
        c.expect(b"bb login: ")
    finally:
        assert c.detach() == 0
    with open(os.path.join(runtime_dir(t.store, "bb"), "console.log"), "rb") as f:
        log = f.read()
    assert b"TIOCSCTTY" not in log, log[-2000:]
    t.ok("stop", "bb")
