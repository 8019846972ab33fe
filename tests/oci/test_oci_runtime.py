"""runtime.md: the state, the lifecycle, the operations and their errors
in the wrong state, --pid-file and --console-socket; each test with
taper-oci and with runc, which must agree."""
import array
import json
import os
import socket
import subprocess
import time

import pytest


def wait_status(rt, cid, status, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        st = rt.state(cid)
        if st["status"] == status:
            return st
        time.sleep(0.05)
    raise AssertionError(f"{rt.name}: {cid} never {status}: {st}")


def test_state_fields_through_the_lifecycle(runtime, bundle, tmpdir_root):
    b = bundle(lambda c: c.update(annotations={"org.example": "yes"}), args=["sleep", "100"])
    pidfile = os.path.join(tmpdir_root, "pid")
    runtime.ok("create", "--bundle", b, "--pid-file", pidfile, "c1")
    st = runtime.state("c1")
    assert st["status"] == "created"
    assert st["id"] == "c1"
    assert st["bundle"] in (b, f"{b}-runc-c1")
    assert st["annotations"] == {"org.example": "yes"}
    assert st["ociVersion"].startswith("1.")
    assert st["pid"] > 0
    # The pid file names the container's init, as the state does.
    assert open(pidfile).read().strip() == str(st["pid"])
    # Created: the process exists but has not run the command yet.
    assert os.path.exists(f"/proc/{st['pid']}")
    assert b"sleep" not in open(f"/proc/{st['pid']}/cmdline", "rb").read()
    runtime.ok("start", "c1")
    st = wait_status(runtime, "c1", "running")
    assert b"sleep" in open(f"/proc/{st['pid']}/cmdline", "rb").read()
    runtime.ok("kill", "c1", "KILL")
    wait_status(runtime, "c1", "stopped")
    runtime.ok("delete", "c1")
    r = runtime("state", "c1")
    assert r.returncode != 0
    if runtime.name == "taper-oci":
        assert r.stderr == 'taper-oci: container "c1" does not exist\n'



def test_wrong_state_operations_fail(runtime, bundle):
    b = bundle(args=["sleep", "100"])
    # Nothing there yet.
    for args in (["start", "nope"], ["kill", "nope", "TERM"], ["state", "nope"], ["delete", "nope"]):
        r = runtime(*args)
        assert r.returncode != 0, (runtime.name, args)
    runtime.ok("create", "--bundle", b, "c2")
    # A second container of the same id.
    assert runtime("create", "--bundle", b, "c2").returncode != 0
    # Not stopped: delete without --force refuses, as runtime.md says
    # ("MUST have no effect"); runc deletes a created one.
    if runtime.name == "taper-oci":
        assert runtime("delete", "c2").returncode != 0
        assert runtime.state("c2")["status"] == "created"
    runtime.ok("start", "c2")
    wait_status(runtime, "c2", "running")
    # Started already.
    assert runtime("start", "c2").returncode != 0
    assert runtime("delete", "c2").returncode != 0
    assert runtime.state("c2")["status"] == "running"
    runtime.ok("kill", "c2", "9")
    wait_status(runtime, "c2", "stopped")
    # Stopped: no start, no kill.
    assert runtime("start", "c2").returncode != 0
    assert runtime("kill", "c2", "TERM").returncode != 0
    runtime.ok("delete", "c2")


def test_kill_in_created_state_and_delete_force(runtime, bundle):
    b = bundle(args=["sleep", "100"])
    runtime.ok("create", "--bundle", b, "c3")
    pid = runtime.state("c3")["pid"]
    runtime.ok("delete", "--force", "c3")
    assert runtime("state", "c3").returncode != 0
    # The init is gone (or a zombie of a parent that does not reap).
    end = time.monotonic() + 5
    while time.monotonic() < end:
        try:
            if open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z":
                break
        except FileNotFoundError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"{runtime.name}: pid {pid} still alive")
    # --force on nothing is no error (podman relies on it).
    runtime.ok("delete", "--force", "c3")


def test_signal_names_and_numbers(runtime, bundle):
    # The init traps USR1 and writes where the test reads.
    b = bundle(args=["sh", "-c", "trap 'echo got >/dev/shm/x; exit 3' USR1; while :; do sleep 0.05; done"])
    for n, sig in enumerate(["USR1", "SIGUSR1", "10"]):
        cid = f"s{n}"
        runtime.ok("run", "-d", "--bundle", b, cid)
        # A signal the init has no handler for yet is dropped (pid 1 of
        # its namespace): sent again until the trap is there to take it.
        runtime.ok("kill", cid, sig)
        for _ in range(100):
            try:
                wait_status(runtime, cid, "stopped", timeout=0.3)
                break
            except AssertionError:
                runtime("kill", cid, sig)  # may find it stopped meanwhile
        wait_status(runtime, cid, "stopped")
        runtime.ok("delete", cid)
    assert runtime("kill", "nope", "NOSUCHSIG").returncode != 0


def test_kill_all_reaches_every_process(runtime, bundle):
    b = bundle(lambda c: c["linux"]["namespaces"].remove({"type": "pid"}) or None,
               args=["sh", "-c", "sleep 100 & sleep 100"])
    # Without a pid namespace, killing the init leaves its children: --all
    # is what reaches them.
    runtime.ok("run", "-d", "--bundle", b, "ka")
    time.sleep(0.3)
    pids = json.loads(runtime.ok("ps", "--format", "json", "ka").stdout)
    assert len(pids) >= 2
    runtime.ok("kill", "--all", "ka", "KILL")
    end = time.monotonic() + 5
    alive = pids
    while alive and time.monotonic() < end:
        alive = [p for p in pids if os.path.exists(f"/proc/{p}")
                 and open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"]
        time.sleep(0.05)
    assert not alive, (runtime.name, alive)
    runtime.ok("delete", "--force", "ka")


def test_run_foreground_returns_the_exit_status(runtime, bundle):
    b = bundle(args=["sh", "-c", "echo out; echo err >&2; exit 7"])
    r = runtime("run", "--bundle", b, "fg")
    assert r.returncode == 7, (runtime.name, r.stderr)
    assert r.stdout == "out\n"
    assert "err" in r.stderr
    # run deletes what it made.
    assert runtime("state", "fg").returncode != 0


def test_start_of_a_missing_command_fails(runtime, bundle):
    b = bundle(args=["/no/such/command"])
    r = runtime("create", "--bundle", b, "m1")
    if r.returncode == 0:
        # runc and taper learn it at the exec, which start does.
        r = runtime("start", "m1")
    assert r.returncode != 0
    assert "no/such/command" in r.stderr or "no such file" in r.stderr.lower(), (runtime.name, r.stderr)


def test_pause_and_resume(runtime, bundle):
    b = bundle(args=["sleep", "100"])
    runtime.ok("run", "-d", "--bundle", b, "p1")
    wait_status(runtime, "p1", "running")
    runtime.ok("pause", "p1")
    assert runtime.state("p1")["status"] == "paused"
    assert runtime("pause", "p1").returncode != 0
    pid = runtime.state("p1")["pid"]
    assert "(sleep) D" in open(f"/proc/{pid}/stat").read() or \
        open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] in ("D", "S", "t")
    runtime.ok("resume", "p1")
    assert runtime.state("p1")["status"] == "running"
    assert runtime("resume", "p1").returncode != 0
    runtime.ok("delete", "--force", "p1")


def test_list(runtime, bundle):
    b = bundle(args=["sleep", "100"])
    assert runtime("list", "-q").stdout.strip() == ""
    runtime.ok("create", "--bundle", b, "l1")
    runtime.ok("run", "-d", "--bundle", b, "l2")
    assert sorted(runtime.ok("list", "-q").stdout.split()) == ["l1", "l2"]
    rows = {s["id"]: s["status"] for s in json.loads(runtime.ok("list", "--format", "json").stdout)}
    assert rows == {"l1": "created", "l2": "running"}
    table = runtime.ok("list").stdout.splitlines()
    assert table[0].split()[:3] == ["ID", "PID", "STATUS"]


def recv_fd(sock):
    fds = array.array("i")
    msg, anc, _, _ = sock.recvmsg(4096, socket.CMSG_LEN(fds.itemsize))
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds.frombytes(data[:fds.itemsize])
    return fds[0]


def test_console_socket_gets_the_pty_master(runtime, bundle, tmpdir_root):
    b = bundle(lambda c: c["process"].update(terminal=True),
               args=["sh", "-c", "tty; echo hi; sleep 100"])
    path = os.path.join(tmpdir_root, "console.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    # Without the socket a detached terminal has nowhere to go.
    assert runtime("create", "--bundle", b, "t0").returncode != 0
    proc = subprocess.Popen([runtime.binary, "--root", runtime.root, "create", "--bundle", b,
                             "--console-socket", path, "t1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    conn, _ = srv.accept()
    master = recv_fd(conn)
    assert proc.wait(timeout=30) == 0, proc.stderr.read()
    runtime.ok("start", "t1")
    out = b""
    end = time.monotonic() + 10
    while b"hi" not in out and time.monotonic() < end:
        out += os.read(master, 4096)
    assert b"/dev/pts/" in out or b"/dev/console" in out, out
    assert b"hi" in out
    os.close(master)
    runtime.ok("delete", "--force", "t1")


def test_exec(runtime, bundle, tmpdir_root):
    b = bundle(lambda c: c["process"].update(env=["PATH=/bin:/sbin:/usr/bin", "FROM=config"]), args=["sleep", "100"])
    runtime.ok("run", "-d", "--bundle", b, "e1")
    r = runtime.ok("exec", "--env", "X=1", "--cwd", "/tmp", "e1", "sh", "-c", "echo $X $FROM; pwd")
    assert r.stdout == "1 config\n/tmp\n"
    r = runtime("exec", "e1", "sh", "-c", "exit 5")
    assert r.returncode == 5
    r = runtime.ok("exec", "--user", "65534:65534", "e1", "id", "-u")
    assert r.stdout.strip() == "65534"
    proc = os.path.join(tmpdir_root, "process.json")
    with open(proc, "w") as f:
        json.dump({"args": ["sh", "-c", "echo from-process-json; cat /proc/self/status | grep NoNewPrivs"],
                   "cwd": "/", "user": {"uid": 0, "gid": 0}, "env": ["PATH=/bin"],
                   "noNewPrivileges": True}, f)
    r = runtime.ok("exec", "--process", proc, "e1")
    assert "from-process-json" in r.stdout
    assert "NoNewPrivs:\t1" in r.stdout
    pidfile = os.path.join(tmpdir_root, "exec.pid")
    runtime.ok("exec", "-d", "--pid-file", pidfile, "e1", "sleep", "50")
    assert int(open(pidfile).read()) > 0
    runtime.ok("delete", "--force", "e1")
    # Not in a stopped one.
    runtime.ok("run", "-d", "--bundle", bundle(args=["true"]), "e2")
    wait_status(runtime, "e2", "stopped")
    assert runtime("exec", "e2", "true").returncode != 0


def test_events_stats_and_update(runtime, bundle):
    b = bundle(lambda c: c["linux"].update(resources={"memory": {"limit": 64 << 20}, "pids": {"limit": 50},
                                                       "devices": [{"allow": False, "access": "rwm"}]}),
               args=["sleep", "100"])
    runtime.ok("run", "-d", "--bundle", b, "u1")
    ev = json.loads(runtime.ok("events", "--stats", "u1").stdout.splitlines()[0])
    assert ev["type"] == "stats" and ev["id"] == "u1"
    assert ev["data"]["memory"]["usage"]["limit"] == 64 << 20
    assert ev["data"]["pids"]["limit"] == 50
    runtime.ok("update", "--memory", str(128 << 20), "--pids-limit", "70", "u1")
    ev = json.loads(runtime.ok("events", "--stats", "u1").stdout.splitlines()[0])
    assert ev["data"]["memory"]["usage"]["limit"] == 128 << 20
    assert ev["data"]["pids"]["limit"] == 70
    runtime.ok("update", "--resources", "-", "u1", input=json.dumps({"pids": {"limit": 80}}))
    ev = json.loads(runtime.ok("events", "--stats", "u1").stdout.splitlines()[0])
    assert ev["data"]["pids"]["limit"] == 80
    runtime.ok("delete", "--force", "u1")
