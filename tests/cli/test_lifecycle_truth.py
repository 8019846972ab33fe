"""The kernel is the truth: a killed monitor, forged state files, many
verbs at once, and networking in a throwaway network namespace."""
import json
import os
import random
import signal
import subprocess
import threading
import uuid

import pytest

from conftest import Result, Taper
from lifecycle_util import (kill_all, lease_dir, leftovers, make_container, monitors_of,
                            runtime_dir, wait_for)


def states(taper):
    return {r["name"]: r for r in json.loads(taper.ok("ls", "--format", "json").stdout)}


def record(taper, name):
    with open(os.path.join(runtime_dir(taper.store, name), "state")) as f:
        return dict(l.split(" = ", 1) for l in f.read().splitlines() if " = " in l)


def test_monitor_killed_then_stop(sys_taper):
    t = sys_taper
    make_container(t, "c1")
    t.ok("start", "c1")
    rec = record(t, "c1")
    os.kill(int(rec["monitor.pid"]), signal.SIGKILL)
    assert wait_for(lambda: not os.path.exists(f"/proc/{rec['monitor.pid']}/stat")
                    or open(f"/proc/{rec['monitor.pid']}/stat").read().split(") ")[1][0] == "Z")
    row = states(t)["c1"]
    assert row["state"] == "RUNNING" and row["pid"] == int(rec["init.pid"])
    info = json.loads(t.ok("info", "c1", "--format", "json").stdout)
    assert info["monitor_pid"] == 0
    text = t.ok("info", "c1").stdout
    assert "Monitor PID: none" in text and "Monitor PID: 0" not in text
    # Attach and freeze need no monitor.
    assert t.ok("attach", "c1", "--", "echo", "still-here").stdout.strip() == "still-here"
    t.ok("freeze", "c1")
    assert states(t)["c1"]["state"] == "FROZEN"
    t.ok("unfreeze", "c1")
    t.ok("stop", "-t", "5", "c1")
    assert states(t)["c1"]["state"] == "STOPPED"
    assert leftovers(t.store) == {}
    t.ok("start", "c1")
    t.ok("stop", "c1")


def test_monitor_and_init_killed(sys_taper):
    t = sys_taper
    make_container(t, "c1")
    t.ok("start", "c1")
    rec = record(t, "c1")
    os.kill(int(rec["monitor.pid"]), signal.SIGKILL)
    os.kill(int(rec["init.pid"]), signal.SIGKILL)
    assert wait_for(lambda: states(t)["c1"]["state"] == "STOPPED")
    r = t("stop", "c1")
    assert r.returncode != 0 and "not running" in r.stderr
    # ... but the residue is gone, and it starts again.
    assert leftovers(t.store) == {}
    t.ok("start", "c1")
    t.ok("stop", "c1")


def busybox_deaf_to_term(t, name):
    """`taper create -t busybox`, off the network, with an init that
    ignores its stop signal: only the SIGKILL after the timeout stops it."""
    t.ok("create", name, "-t", "busybox")
    t.ok("config", name, "net.0.type", "empty")
    t.ok("config", name, "--unset", "net.0.link")
    t.ok("config", name, "init.cmd", "/bin/sh -c 'trap \"\" TERM; while :; do sleep 1; done'")
    t.ok("config", name, "stop.signal", "SIGTERM")


def test_monitor_killed_during_stop(sys_taper):
    t = sys_taper
    busybox_deaf_to_term(t, "c1")
    t.ok("start", "c1")
    rec = record(t, "c1")
    stop = subprocess.Popen([t.binary, "--path", t.store, "stop", "-t", "3", "c1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The monitor took the stop (and sent SIGTERM, ignored): now it dies.
    assert wait_for(lambda: record(t, "c1")["state"] == "STOPPING")
    os.kill(int(rec["monitor.pid"]), signal.SIGKILL)
    out, err = stop.communicate(timeout=60)
    # Success means stopped: the stop finished what the monitor could not.
    assert stop.returncode == 0, err
    assert states(t)["c1"]["state"] == "STOPPED"
    init_stat = f"/proc/{rec['init.pid']}/stat"
    assert not os.path.exists(init_stat) or open(init_stat).read().rsplit(")", 1)[1].split()[0] == "Z"
    assert leftovers(t.store) == {}
    t.ok("start", "c1")
    t.ok("stop", "-k", "c1")


def test_temp_state_file_of_a_killed_monitor_is_reclaimed(sys_taper):
    """A monitor SIGKILLed between naming its new state file and renaming
    it over the old one leaves .state.tmp.<pid>: the stop that does the
    monitor's work removes it, and so does the next start."""
    t = sys_taper
    make_container(t, "c1")
    rt = runtime_dir(t.store, "c1")

    def kill_monitor_leaving_temp_files(init_too):
        rec = record(t, "c1")
        os.kill(int(rec["monitor.pid"]), signal.SIGKILL)
        if init_too:
            os.kill(int(rec["init.pid"]), signal.SIGKILL)
            assert wait_for(lambda: states(t)["c1"]["state"] == "STOPPED")
        for f in (".state.tmp." + rec["monitor.pid"], ".net.tmp." + rec["monitor.pid"]):
            with open(os.path.join(rt, f), "w") as fh:
                fh.write("state = RUNNING\n")

    t.ok("start", "c1")
    kill_monitor_leaving_temp_files(init_too=False)
    t.ok("stop", "-k", "c1")
    assert [f for f in os.listdir(rt) if ".tmp." in f] == []
    t.ok("start", "c1")
    kill_monitor_leaving_temp_files(init_too=True)
    t.ok("start", "c1")
    assert [f for f in os.listdir(rt) if ".tmp." in f] == []
    t.ok("stop", "-k", "c1")
    assert leftovers(t.store) == {}


def test_forged_state_file_is_not_believed(sys_taper):
    t = sys_taper
    make_container(t, "c1")
    rt = runtime_dir(t.store, "c1")
    os.makedirs(rt, exist_ok=True)
    me = os.getpid()
    start = open(f"/proc/{me}/stat").read().rsplit(")", 1)[1].split()[19]
    with open(os.path.join(rt, "state"), "w") as f:
        # A live pid with its true start time, but not in the cgroup.
        f.write(f"state = RUNNING\nmonitor.pid = 1\nmonitor.start = 1\ninit.pid = {me}\n"
                f"init.start = {start}\nstarted = 1\n")
    assert states(t)["c1"]["state"] == "STOPPED"
    r = t("stop", "c1")
    assert r.returncode != 0 and "not running" in r.stderr
    assert os.path.exists(f"/proc/{me}")
    t.ok("start", "c1")
    assert states(t)["c1"]["state"] == "RUNNING"


def test_outlives_its_starter(sys_taper):
    t = sys_taper
    make_container(t, "c1")
    # The starter's whole session goes away; the container stays.
    subprocess.run(["setsid", "-w", t.binary, "--path", t.store, "start", "c1"], check=True)
    mon = monitors_of(t.store)
    assert len(mon) == 1
    with open(f"/proc/{mon[0]}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # Reparented (to init or a subreaper): no taper process lingers as its parent.
    ppid = int(fields[1])
    assert ppid == 1 or os.path.realpath(f"/proc/{ppid}/exe") != os.path.realpath(t.binary)
    # Only what it needs: nothing of its starter's leaks in. The monitor
    # program is the one its supervisor executes for the teardown.
    allowed = ("/dev/null", "/dev/pts/", "/dev/ptmx", "/sys/fs/cgroup/", "anon_inode:",
               "socket:", "/run/taper/", os.path.realpath(t.store),
               os.path.realpath(os.path.join(os.path.dirname(t.binary), "taper-monitor")))
    for fd in os.listdir(f"/proc/{mon[0]}/fd"):
        target = os.readlink(f"/proc/{mon[0]}/fd/{fd}")
        assert target.startswith(allowed), target
    assert os.readlink(f"/proc/{mon[0]}/fd/0") == "/dev/null"
    assert states(t)["c1"]["state"] == "RUNNING"


@pytest.fixture
def netns():
    name = f"taper-t-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    yield name
    subprocess.run(["ip", "netns", "del", name])


class NsTaper(Taper):
    """taper run inside a network namespace: bridge, veths and NAT live there."""

    def __init__(self, store, ns):
        super().__init__(store)
        self.ns = ns

    def __call__(self, *args, input=None, env=None, timeout=120, store=True):
        argv = ["nsenter", f"--net=/run/netns/{self.ns}", self.binary, "--path", self.store]
        full_env = dict(os.environ)
        full_env.pop("TAPER_PATH", None)
        return Result(subprocess.run(argv + [str(a) for a in args], input=input,
                                     capture_output=True, text=True, env=full_env,
                                     timeout=timeout))


def veths(ns):
    out = subprocess.run(["ip", "-n", ns, "-o", "link", "show", "type", "veth"],
                         capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if l.strip()]


def test_network_in_netns(taper, netns):
    t = NsTaper(taper.store, netns)
    try:
        for n in ("n1", "n2"):
            make_container(t, n, ["net.0.type = veth", "net.0.link = taperbr0"])
        t.ok("start", "n1")
        t.ok("start", "n2")
        s = states(t)
        assert s["n1"]["ipv4"] == ["10.0.3.2"] and s["n2"]["ipv4"] == ["10.0.3.3"]
        hosts = open(os.path.join(t.store, "n1", "rootfs", "etc", "hosts")).read()
        assert "10.0.3.2\tn1" in hosts or "10.0.3.2 n1" in hosts
        assert os.path.exists(os.path.join(t.store, "n1", "rootfs", "etc", "resolv.conf"))
        r = t("attach", "n1", "--", "ping", "-c1", "-W2", "10.0.3.3")
        assert r.returncode == 0, r.stdout + r.stderr
        assert len(veths(netns)) == 2
        # The monitor killed: stop still releases the veth and the lease.
        os.kill(int(record(t, "n2")["monitor.pid"]), signal.SIGKILL)
        t.ok("stop", "n1")
        t.ok("stop", "n2")
        assert veths(netns) == []
        assert leftovers(t.store) == {}
    finally:
        kill_all(t)


def test_parallel_starts_and_stops(taper, netns):
    t = NsTaper(taper.store, netns)
    names = [f"p{i}" for i in range(10)]
    for n in names:
        make_container(t, n, ["net.0.type = veth", "net.0.link = taperbr0"])
    try:
        rng = random.Random(1234)
        for _round in range(2):
            ops = [(rng.choice(["start", "stop"]), rng.choice(names)) for _ in range(20)]
            results = []

            def run(op, name):
                args = [op, name] + (["-t", "3"] if op == "stop" else [])
                r = t(*args)
                results.append((op, name, r.returncode, r.stderr))

            threads = [threading.Thread(target=run, args=o) for o in ops]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            for op, name, rc, err in results:
                if rc != 0:
                    assert ("already running" in err or "not running" in err), (op, name, err)
            s = states(t)
            running = [n for n in names if s[n]["state"] == "RUNNING"]
            assert all(s[n]["state"] in ("RUNNING", "STOPPED") for n in names), s
            # One monitor and one address per running container, nothing else.
            assert len(monitors_of(t.store)) == len(running)
            ips = [ip for n in running for ip in s[n]["ipv4"]]
            assert len(ips) == len(set(ips)) == len(running)
            assert len(veths(netns)) == len(running)
            leases = lease_dir(["nsenter", f"--net=/run/netns/{netns}"])
            assert len(os.listdir(leases) if os.path.isdir(leases) else []) == len(running)
        for n in names:
            t("stop", "-k", n)
        assert veths(netns) == []
        assert leftovers(t.store) == {}
    finally:
        kill_all(t)


def test_ls_says_what_info_says(sys_taper):
    """ls reads every container's state in one pass (the cgroup hierarchies
    opened once); each row is what `info` says of that container alone."""
    t = sys_taper
    for n in ("run", "frz", "off"):
        t.ok("create", n, "-t", "busybox")
    t.ok("start", "run")
    t.ok("start", "frz")
    t.ok("freeze", "frz")
    rows = {r["name"]: r for r in json.loads(t.ok("ls", "--format", "json").stdout)}
    assert set(rows) == {"run", "frz", "off"}
    for n, want in (("run", "RUNNING"), ("frz", "FROZEN"), ("off", "STOPPED")):
        info = json.loads(t.ok("info", n, "--format", "json").stdout)
        assert rows[n]["state"] == info["state"] == want, (rows[n], info)
        assert rows[n]["pid"] == info["pid"], (rows[n], info)
    assert rows["run"]["memory_bytes"] > 0 and rows["frz"]["memory_bytes"] > 0, rows
    assert [r["name"] for r in json.loads(t.ok("ls", "--frozen", "--format", "json").stdout)] == ["frz"]
    t.ok("unfreeze", "frz")
    t.ok("stop", "-k", "frz")
    t.ok("stop", "-k", "run")
