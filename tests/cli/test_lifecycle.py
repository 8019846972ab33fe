"""taper start / stop / ls: system containers with a monitor each."""
import json
import os
import subprocess
import time

import pytest

from lifecycle_util import (leftovers, make_container, monitors_of, runtime_dir,
                            store_id, wait_for)


def state_of(taper, name):
    rows = json.loads(taper.ok("ls", "--format", "json").stdout)
    return {r["name"]: r for r in rows}[name]


def test_start_ls_stop(sys_taper):
    t = sys_taper
    make_container(t, "c1")
    assert state_of(t, "c1")["state"] == "STOPPED"
    t.ok("start", "c1")
    # The container outlives the `taper start` process.
    row = state_of(t, "c1")
    assert row["state"] == "RUNNING"
    assert row["pid"] > 0 and os.path.exists(f"/proc/{row['pid']}")
    assert row["ipv4"] == [] and row["memory_bytes"] > 0 and row["autostart"] is False
    assert len(monitors_of(t.store)) == 1
    table = t.ok("ls").stdout
    assert "c1" in table and "RUNNING" in table and "NAME" in table
    t.ok("stop", "c1")
    assert state_of(t, "c1")["state"] == "STOPPED"
    assert leftovers(t.store) == {}
    with open(os.path.join(runtime_dir(t.store, "c1"), "exit")) as f:
        assert "code = 0" in f.read()


def test_console_log_captured(sys_taper):
    t = sys_taper
    make_container(t, "c1")
    t.ok("start", "c1")
    t.ok("stop", "c1")
    with open(os.path.join(runtime_dir(t.store, "c1"), "console.log")) as f:
        text = f.read()
    assert "hello-console" in text and "bye" in text


def test_ls_formats_and_filters(sys_taper):
    t = sys_taper
    make_container(t, "a", ["start.auto = 1"])
    make_container(t, "b")
    t.ok("start", "b")
    rows = json.loads(t.ok("ls", "--format", "json").stdout)
    assert [r["name"] for r in rows] == ["a", "b"]
    for r in rows:
        assert set(r) >= {"name", "state", "pid", "ipv4", "memory_bytes", "autostart"}
    assert rows[0]["autostart"] is True
    running = json.loads(t.ok("ls", "--format", "json", "--running").stdout)
    assert [r["name"] for r in running] == ["b"]
    stopped = json.loads(t.ok("ls", "--format", "json", "--stopped").stdout)
    assert [r["name"] for r in stopped] == ["a"]
    y = t.ok("ls", "--format", "yaml").stdout
    assert '- name: "a"' in y and 'state: "RUNNING"' in y and "autostart: true" in y
    try:
        import yaml
    except ImportError:
        yaml = None
    if yaml:
        parsed = yaml.safe_load(y)
        assert [r["name"] for r in parsed] == ["a", "b"]
        assert parsed[1]["pid"] == rows[1]["pid"]
    assert t("ls", "--format", "xml").returncode == 2
    assert t.ok("ls", "--format", "yaml", "--frozen").stdout.strip() == "[]"


def test_double_start_and_stop_of_stopped(sys_taper):
    t = sys_taper
    make_container(t, "c1")
    r = t("stop", "c1")
    assert r.returncode != 0 and "not running" in r.stderr
    t.ok("start", "c1")
    pid = state_of(t, "c1")["pid"]
    r = t("start", "c1")
    assert r.returncode != 0 and "already running" in r.stderr
    assert state_of(t, "c1")["pid"] == pid
    t.ok("stop", "c1")
    r = t("stop", "c1")
    assert r.returncode != 0 and "not running" in r.stderr


def test_bad_input(sys_taper):
    t = sys_taper
    for bad in ("../x", ".hidden", "a/b", "", "x" * 80):
        r = t("start", bad)
        assert r.returncode != 0, bad
        assert "taper: start:" in r.stderr
    r = t("start", "nosuch")
    assert r.returncode != 0 and "not found" in r.stderr
    assert t("start").returncode == 2
    assert t("stop", "-t", "soon", "x").returncode == 2
    # A key no taper knows, edited into the file by hand (`taper config`
    # refuses it): start names it.
    with open(os.path.join(make_container(t, "badkey"), "config"), "a") as f:
        f.write("foo.bar = 1\n")
    r = t("start", "badkey")
    assert r.returncode != 0 and 'unknown key "foo.bar"' in r.stderr
    assert leftovers(t.store) == {}


def test_missing_rootfs_leaves_nothing(sys_taper, tmpdir_root):
    t = sys_taper
    make_container(t, "c1", ["rootfs.path = " + os.path.join(tmpdir_root, "nope")])
    r = t("start", "c1")
    assert r.returncode != 0 and "nope" in r.stderr
    assert state_of(t, "c1")["state"] == "STOPPED"
    assert leftovers(t.store) == {}


def test_missing_init_reports_monitor_error(sys_taper):
    t = sys_taper
    make_container(t, "c1", ["init.cmd = /no/such/init"])
    r = t("start", "c1")
    assert r.returncode != 0 and "/no/such/init" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert leftovers(t.store) == {}


def test_stop_before_the_init_set_its_handler(sys_taper):
    """A stop signal sent before the init caught it is dropped by the
    kernel (pid 1 of its namespace): it is sent again each second until
    the init catches it, so a stop right after a start ends in the init's
    own clean exit, not in the SIGKILL of the timeout."""
    t = sys_taper
    make_container(t, "c1", ["init.cmd = /bin/sh -c \"sleep 2; trap 'exit 0' USR2; "
                             "while :; do sleep 1; done\""])
    t.ok("start", "c1")
    t.ok("stop", "-t", "30", "c1")
    with open(os.path.join(runtime_dir(t.store, "c1"), "exit")) as f:
        assert f.read() == "code = 0\nsignal = 0\noom = 0\n"
    assert leftovers(t.store) == {}


def test_stop_timeout_kills(sys_taper):
    t = sys_taper
    # An init that ignores its stop signal: SIGKILL after the timeout.
    make_container(t, "c1", ["init.cmd = /bin/sh -c \"trap '' USR2; while :; do sleep 1; done\""])
    t.ok("start", "c1")
    t0 = time.time()
    t.ok("stop", "-t", "1", "c1")
    assert 0.9 < time.time() - t0 < 8
    assert state_of(t, "c1")["state"] == "STOPPED"
    assert leftovers(t.store) == {}
    t.ok("start", "c1")
    # -k does not wait for the timeout at all.
    t0 = time.time()
    t.ok("stop", "-t", "120", "-k", "c1")
    assert time.time() - t0 < 60
    assert leftovers(t.store) == {}


def test_init_exit_tears_down(sys_taper):
    t = sys_taper
    make_container(t, "c1", ["init.cmd = /bin/sh -c \"sleep 0.3; exit 7\""])
    t.ok("start", "c1")
    assert wait_for(lambda: state_of(t, "c1")["state"] == "STOPPED")
    assert wait_for(lambda: leftovers(t.store) == {})
    with open(os.path.join(runtime_dir(t.store, "c1"), "exit")) as f:
        assert "code = 7" in f.read()


def test_foreground(sys_taper):
    t = sys_taper
    make_container(t, "c1", ["init.cmd = /bin/sh -c \"echo in-the-foreground; exit 3\""])
    r = t("start", "-F", "c1")
    assert r.returncode == 3, r
    assert "in-the-foreground" in r.stdout
    assert leftovers(t.store) == {}


def test_foreground_sigterm_stops(sys_taper):
    t = sys_taper
    make_container(t, "c1")
    p = subprocess.Popen([t.binary, "--path", t.store, "start", "-F", "c1"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: state_of(t, "c1")["state"] == "RUNNING")
        p.terminate()
        out, _ = p.communicate(timeout=15)
        assert p.returncode == 0
        assert "hello-console" in out and "bye" in out
    finally:
        if p.poll() is None:
            p.kill()
    assert leftovers(t.store) == {}


def test_runtime_files_private(sys_taper):
    t = sys_taper
    make_container(t, "c1")
    t.ok("start", "c1")
    rt = runtime_dir(t.store, "c1")
    assert oct(os.stat(os.path.join(rt, "monitor.sock")).st_mode & 0o777) == "0o600"
    assert oct(os.stat(rt).st_mode & 0o777) == "0o700"
    assert store_id(t.store) in rt


def test_example_program_lists_through_the_api(sys_taper):
    t = sys_taper
    example = os.path.join(os.path.dirname(t.binary), "examples", "list-containers")
    make_container(t, "a")
    make_container(t, "b")
    t.ok("start", "b")
    pid = state_of(t, "b")["pid"]
    out = subprocess.run([example, t.store], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["a STOPPED 0", f"b RUNNING {pid}"]
    r = subprocess.run([example, "/proc/nope"], capture_output=True, text=True)
    assert r.returncode == 1 and "list-containers:" in r.stderr


@pytest.mark.skipif(not os.path.isdir("/sys/fs/cgroup/freezer"), reason="no v1 freezer hierarchy")
def test_start_timeout_frees_a_wedged_start(sys_taper):
    """A monitor that never reports (its container's parent group frozen:
    the init cannot answer it) must not hold `taper start`, and the lock
    behind it, for ever: start.timeout kills it and undoes its work."""
    t = sys_taper
    make_container(t, "c1", ["start.timeout = 2"])
    parent = f"/sys/fs/cgroup/freezer/taper/{store_id(t.store)}"
    os.makedirs(parent, exist_ok=True)
    with open(f"{parent}/freezer.state", "w") as f:
        f.write("FROZEN")
    try:
        r = t("start", "c1", timeout=60)
    finally:
        with open(f"{parent}/freezer.state", "w") as f:
            f.write("THAWED")
    assert r.returncode == 1, r
    assert r.stderr.strip().splitlines() == [
        'taper: start: container "c1" not running after start.timeout (2 s): '
        'its monitor was killed'], r
    assert wait_for(lambda: not monitors_of(t.store))
    assert t("stop", "-k", "c1", timeout=60).returncode in (0, 1)
    assert state_of(t, "c1")["state"] == "STOPPED"
    assert leftovers(t.store) == {}
    # And it starts once nothing holds it.
    t.ok("start", "c1", timeout=60)
    t.ok("stop", "-k", "c1", timeout=60)


def test_monitor_is_a_program_of_its_own(sys_taper):
    """The monitor is taper-monitor, executed: no fork of the starter
    keeping its heap, in a session of its own, not the starter's child.
    Once the container runs, the same process is taper-supervise: none of
    the setup's libraries (libseccomp, libmnl) mapped any more."""
    t = sys_taper
    make_container(t, "c1")
    t.ok("start", "c1")
    mon = json.loads(t.ok("info", "c1", "--format", "json").stdout)["monitor_pid"]
    assert os.path.basename(os.readlink(f"/proc/{mon}/exe")) == "taper-supervise"
    with open(f"/proc/{mon}/maps") as f:
        maps = f.read()
    assert "libseccomp" not in maps and "libmnl" not in maps and "taper-monitor" not in maps
    with open(f"/proc/{mon}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ppid, sid = int(fields[1]), int(fields[3])
    assert ppid != os.getpid() and sid != os.getsid(0)
    with open(f"/proc/{mon}/status") as f:
        sigblk = [l for l in f if l.startswith("SigBlk:")][0]
    # SIGHUP, SIGINT, SIGTERM for its signalfd, nothing of the starter's.
    assert int(sigblk.split()[1], 16) == (1 << 0) | (1 << 1) | (1 << 14), sigblk
    # Its fds: the runtime directory, the init's pidfd, the socket, the
    # signalfd and timerfd, the log, the pty pair, the freezer file, the
    # program of the teardown, and its stdio; nothing of the setup's.
    assert len(os.listdir(f"/proc/{mon}/fd")) == 3 + 10
    t.ok("stop", "c1")
    assert leftovers(t.store) == {}
    with open(os.path.join(runtime_dir(t.store, "c1"), "exit")) as f:
        assert f.read() == "code = 0\nsignal = 0\noom = 0\n"


def test_monitor_without_its_supervisor_runs_the_loop_itself(sys_taper):
    """No taper-supervise to execute: taper-monitor runs the same loop and
    teardown in its own process, says so on the console log, and the
    container runs, answers and stops as ever."""
    t = sys_taper
    make_container(t, "c1")
    env = {"TAPER_SUPERVISE": "/nonexistent/taper-supervise"}
    t.ok("start", "c1", env=env)
    mon = json.loads(t.ok("info", "c1", "--format", "json").stdout)["monitor_pid"]
    assert os.path.basename(os.readlink(f"/proc/{mon}/exe")) == "taper-monitor"
    assert state_of(t, "c1")["state"] == "RUNNING"
    t.ok("stop", "c1")
    assert state_of(t, "c1")["state"] == "STOPPED"
    assert leftovers(t.store) == {}
    rt = runtime_dir(t.store, "c1")
    with open(os.path.join(rt, "exit")) as f:
        assert f.read() == "code = 0\nsignal = 0\noom = 0\n"
    with open(os.path.join(rt, "console.log")) as f:
        log = f.read()
    assert ("taper: run /nonexistent/taper-supervise: No such file or directory; "
            "supervising from taper-monitor") in log, log
    assert "hello-console" in log and "bye" in log


def test_supervisor_and_teardown_refuse_to_run_by_hand(taper, tmp_path):
    build = os.path.dirname(taper.binary)
    r = subprocess.run([os.path.join(build, "taper-supervise"), "--stop-timeout=1", "--stop-signal=15",
                        "--ring=0", "--", "x"], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr == "taper-supervise: run by taper-monitor, not by hand\n"
    # The teardown runs only in the recorded monitor's own process: a
    # state file naming another pid (here, none) is refused, nothing done.
    d = os.open(str(tmp_path), os.O_RDONLY | os.O_DIRECTORY)
    try:
        r = subprocess.run([os.path.join(build, "taper-monitor"), "--exited=1,0,0", taper.store, "c1"],
                           capture_output=True, text=True, pass_fds=(d,),
                           preexec_fn=lambda: os.dup2(d, 3))
    finally:
        os.close(d)
    assert r.returncode == 2
    assert r.stderr == "taper-monitor: run by taper start, not by hand\n"


def test_monitor_refuses_to_run_by_hand(taper):
    monitor = os.path.join(os.path.dirname(taper.binary), "taper-monitor")
    r = subprocess.run([monitor, taper.store, "c1"], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr == "taper-monitor: run by taper start, not by hand\n"
