"""taper monitor (lxc-monitor): a line per state change, from inotify on
the runtime directory, while containers start, freeze, stop and go."""
import json
import os
import signal
import subprocess

from lifecycle_util import leftovers, wait_for


def watching(p):
    """The monitor has set its watches and waits in poll(2)."""
    try:
        with open(f"/proc/{p.pid}/wchan") as f:
            return "poll" in f.read()
    except OSError:
        return False


class Monitor:
    def __init__(self, t, *args):
        self.p = subprocess.Popen([t.binary, "--path", t.store, "monitor", *args],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert wait_for(lambda: watching(self.p) or self.p.poll() is not None, 20)
        assert self.p.poll() is None, self.p.stderr.read()
        self.seen = ""

    def lines_so_far(self):
        """What it printed up to now (it flushes every line)."""
        fd = self.p.stdout.fileno()
        os.set_blocking(fd, False)
        try:
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                self.seen += chunk.decode()
        except BlockingIOError:
            pass
        os.set_blocking(fd, True)
        return self.seen

    def stop(self, sig=signal.SIGINT):
        self.p.send_signal(sig)
        out, err = self.p.communicate(timeout=30)
        return self.p.returncode, self.seen + (out or ""), err


def changes(out, name):
    return [l.split()[2] for l in out.splitlines() if l.split()[1] == name]


def in_order(seen, wanted):
    """wanted is a subsequence of seen."""
    it = iter(seen)
    return all(any(s == w for s in it) for w in wanted)


def test_stream_of_changes(sys_taper):
    t = sys_taper
    t.ok("create", "c1", "-t", "busybox")
    t.ok("create", "c2", "-t", "busybox")
    m = Monitor(t)
    t.ok("start", "c1")
    t.ok("freeze", "c1")
    t.ok("unfreeze", "c1")
    t.ok("stop", "c1")
    t.ok("start", "c2")
    t.ok("stop", "-k", "c2")
    # A container made after the monitor began, and one that goes.
    t.ok("clone", "-e", "c2", "e1")
    t.ok("stop", "e1")
    assert wait_for(lambda: "e1" not in t.ok("ls", "-q").stdout.split())
    rc, out, err = m.stop()
    assert rc == 0 and err == "", (rc, err)
    c1 = changes(out, "c1")
    # Every state the run passed through, once, in order (the record keeps
    # their times: none is lost between two reads).
    assert c1 == ["STARTING", "RUNNING", "FROZEN", "RUNNING", "STOPPING", "STOPPED"], out
    assert changes(out, "c2") == ["STARTING", "RUNNING", "STOPPING", "STOPPED"], out
    assert in_order(changes(out, "e1"), ["STARTING", "RUNNING", "STOPPED"]), out
    for line in out.splitlines():
        when, name, state = line.split()
        assert when.endswith("Z") and "T" in when and name in ("c1", "c2", "e1"), line
    times = [l.split()[0] for l in out.splitlines() if l.split()[1] == "c1"]
    assert times == sorted(times), out
    # The process that destroyed an ephemeral one may still be ending.
    assert wait_for(lambda: leftovers(t.store) == {}), leftovers(t.store)


def test_named_containers_as_json(sys_taper):
    t = sys_taper
    t.ok("create", "c1", "-t", "busybox")
    t.ok("create", "c2", "-t", "busybox")
    m = Monitor(t, "c2", "later", "--format", "json")
    t.ok("start", "c1")
    t.ok("start", "c2")
    t.ok("stop", "c1")
    t.ok("stop", "c2")
    # A name that does not exist yet is watched for.
    t.ok("create", "later", "-t", "busybox")
    t.ok("start", "later")
    t.ok("stop", "later")
    rc, out, _ = m.stop(signal.SIGTERM)
    assert rc == 0
    events = [json.loads(l) for l in out.splitlines()]
    assert {e["name"] for e in events} == {"c2", "later"}, out
    c2 = [e["state"] for e in events if e["name"] == "c2"]
    assert c2 == ["STARTING", "RUNNING", "STOPPING", "STOPPED"], out
    assert all(set(e) == {"name", "state", "time", "timestamp_ns"} for e in events)
    ns = [e["timestamp_ns"] for e in events if e["name"] == "c2"]
    assert ns == sorted(ns) and ns[0] > 1_000_000_000 * 1_000_000_000
    assert [e["state"] for e in events if e["name"] == "later"][-1] == "STOPPED"


def test_a_freeze_by_hand_is_seen(sys_taper):
    t = sys_taper
    t.ok("create", "c1", "-t", "busybox")
    t.ok("start", "c1")
    m = Monitor(t, "c1")
    # The freezer written directly, behind taper's back (v1 or v2).
    from lifecycle_util import store_id
    base = f"taper/{store_id(t.store)}/c1"
    v1 = f"/sys/fs/cgroup/freezer/{base}/freezer.state"
    v2 = f"/sys/fs/cgroup/{base}/cgroup.freeze"
    path, frozen, thawed = (v1, "FROZEN", "THAWED") if os.path.exists(v1) else (v2, "1", "0")
    with open(path, "w") as f:
        f.write(frozen)
    # No taper call tells anyone: the slow re-read of running containers
    # finds it.
    assert wait_for(lambda: changes(m.lines_so_far(), "c1") == ["FROZEN"], 30), m.seen
    with open(path, "w") as f:
        f.write(thawed)
    assert wait_for(lambda: changes(m.lines_so_far(), "c1") == ["FROZEN", "RUNNING"], 30), m.seen
    t.ok("stop", "c1")
    rc, out, _ = m.stop()
    assert rc == 0
    assert changes(out, "c1") == ["FROZEN", "RUNNING", "STOPPING", "STOPPED"], out


def test_usage(taper, tmpdir_root):
    r = taper("monitor", "--format", "xml")
    assert r.returncode == 2 and r.stderr.count("taper: monitor:") == 1
    r = taper("monitor", "../x")
    assert r.returncode == 1 and "../x" in r.stderr
    r = taper("--path", os.path.join(tmpdir_root, "none"), "monitor", store=False)
    assert r.returncode == 1 and "no store at" in r.stderr
    h = taper("monitor", "--help")
    assert h.returncode == 0 and h.stdout.startswith("Usage: taper monitor")
