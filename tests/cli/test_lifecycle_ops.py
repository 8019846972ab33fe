"""taper freeze / unfreeze / info / attach / console on running containers."""
import json
import os
import subprocess
import time

from lifecycle_util import make_container, wait_for


def state_of(taper, name):
    rows = json.loads(taper.ok("ls", "--format", "json").stdout)
    return {r["name"]: r for r in rows}[name]


def test_freeze_unfreeze(sys_taper, busybox_rootfs):
    t = sys_taper
    make_container(t.store, "c1", busybox_rootfs)
    r = t("freeze", "c1")
    assert r.returncode != 0 and "not running" in r.stderr
    t.ok("start", "c1")
    pid = state_of(t, "c1")["pid"]
    t.ok("freeze", "c1")
    assert state_of(t, "c1")["state"] == "FROZEN"
    assert json.loads(t.ok("ls", "--format", "json", "--frozen").stdout)[0]["name"] == "c1"
    with open(f"/proc/{pid}/status") as f:
        # A frozen task sleeps in the freezer; it must not be running.
        assert "State:\tR" not in f.read()
    t.ok("unfreeze", "c1")
    assert state_of(t, "c1")["state"] == "RUNNING"
    # A frozen container still stops (thawed first, so its signal lands).
    t.ok("freeze", "c1")
    t.ok("stop", "-t", "5", "c1")
    assert state_of(t, "c1")["state"] == "STOPPED"
    assert t("unfreeze", "nosuch").returncode != 0


def test_info(sys_taper, busybox_rootfs):
    t = sys_taper
    make_container(t.store, "c1", busybox_rootfs, ["start.auto = 1", "start.order = 4"])
    info = json.loads(t.ok("info", "c1", "--format", "json").stdout)
    assert info["state"] == "STOPPED" and info["pid"] == 0
    assert info["config"]["autostart"] is True and info["config"]["start_order"] == 4
    t.ok("start", "c1")
    time.sleep(1.1)
    info = json.loads(t.ok("info", "c1", "--format", "json").stdout)
    assert info["state"] == "RUNNING" and info["pid"] > 0
    assert info["usage"]["memory_bytes"] > 0 and info["usage"]["pids"] >= 1
    assert info["usage"]["cpu_ns"] > 0
    assert info["uptime_seconds"] >= 1
    assert info["config"]["stop_signal"] == "USR2"
    text = t.ok("info", "c1").stdout
    assert "State:       RUNNING" in text and "Uptime:" in text
    assert t("info", "c1", "--format", "xml").returncode == 2
    r = t("info", "nosuch")
    assert r.returncode != 0 and "not found" in r.stderr


def test_attach(sys_taper, busybox_rootfs):
    t = sys_taper
    make_container(t.store, "c1", busybox_rootfs)
    r = t("attach", "c1", "--", "true")
    assert r.returncode != 0 and "not running" in r.stderr
    t.ok("start", "c1")
    init = state_of(t, "c1")["pid"]
    r = t("attach", "--env", "FOO=bar", "--cwd", "/tmp", "c1", "--", "sh", "-c",
          "echo $FOO $(pwd) $(hostname); readlink /proc/self/ns/pid; exit 7")
    assert r.returncode == 7, r
    foo, cwd, host = r.stdout.split()[:3]
    assert (foo, cwd, host) == ("bar", "/tmp", "c1")
    # Same pid namespace as the container's init.
    assert r.stdout.split()[3] == os.readlink(f"/proc/{init}/ns/pid")
    r = t("attach", "c1", "--", "sh", input="echo from-stdin\n")
    assert r.returncode == 0 and "from-stdin" in r.stdout
    r = t("attach", "c1", "--", "/no/such")
    assert r.returncode == 127
    assert t("attach", "--env", "NOEQUALS", "c1").returncode == 2
    assert t("attach", "--cwd", "relative", "c1").returncode == 2
    # Options after NAME too, as `taper attach NAME [options] [-- CMD]`
    # reads; the command's own options stay its own, with or without "--".
    r = t("attach", "c1", "-T", "--env", "FOO=after", "--cwd", "/tmp", "--", "sh", "-c",
          "echo $FOO $(pwd)")
    assert r.stdout.split() == ["after", "/tmp"], r
    assert t.ok("attach", "c1", "-e", "X=1", "ls", "-d", "/tmp").stdout.strip() == "/tmp"
    assert t.ok("attach", "c1", "echo", "-t", "-e").stdout.strip() == "-t -e"
    assert t("attach", "c1", "--nosuch").returncode == 2


def test_attach_user_group_and_clear_env(sys_taper, fresh_rootfs):
    """lxc-attach's --user, --group, --clear-env: names from the
    container's own /etc/passwd and /etc/group, never a file its symlinks
    point at on the host."""
    t = sys_taper
    with open(os.path.join(fresh_rootfs, "etc", "passwd"), "a") as f:
        f.write("app:x:1234:2345:app:/home/app:/bin/sh\n")
    with open(os.path.join(fresh_rootfs, "etc", "group"), "a") as f:
        f.write("staff:x:3456:\n")
    make_container(t.store, "c1", fresh_rootfs, ["environment = FROM_CONFIG=1"])
    t.ok("start", "c1")
    ids = "echo $(id -u) $(id -g) $(id -G) $(grep CapEff /proc/self/status | cut -f2)"
    r = t.ok("attach", "c1", "--user", "app", "--", "sh", "-c", ids)
    assert r.stdout.split() == ["1234", "2345", "2345", "0000000000000000"], r
    r = t.ok("attach", "c1", "-u", "1234", "-g", "staff", "--", "sh", "-c", ids)
    assert r.stdout.split()[:3] == ["1234", "3456", "3456"], r
    r = t.ok("attach", "c1", "-u", "4321", "--", "sh", "-c", ids)  # no line: the gid stays
    assert r.stdout.split()[:2] == ["4321", "0"], r
    assert t.ok("attach", "c1", "--", "sh", "-c", "id -u").stdout.strip() == "0"
    r = t("attach", "c1", "--user", "nosuch", "--", "true")
    assert r.returncode == 125 and r.stderr == (
        'taper: attach: container "c1": user "nosuch": /etc/passwd: no "nosuch"\n'), r
    # The container's /etc/group a symlink to the host's: not followed out.
    os.unlink(os.path.join(fresh_rootfs, "etc", "group"))
    os.symlink("/etc/group", os.path.join(fresh_rootfs, "etc", "group"))
    r = t("attach", "c1", "--group", "root", "--", "true")
    assert r.returncode == 125 and 'group "root"' in r.stderr, r
    env = t.ok("attach", "c1", "--", "env").stdout.split()
    assert "FROM_CONFIG=1" in env
    env = t.ok("attach", "c1", "--clear-env", "--env", "A=b", "--", "env").stdout.split()
    assert sorted(e.split("=")[0] for e in env) == ["A", "PATH", "PWD", "SHLVL"] or \
        sorted(e.split("=")[0] for e in env) == ["A", "PATH"], env


def test_attach_joins_cgroup(sys_taper, busybox_rootfs):
    t = sys_taper
    make_container(t.store, "c1", busybox_rootfs)
    t.ok("start", "c1")
    p = subprocess.Popen([t.binary, "--path", t.store, "attach", "-T", "c1", "--", "sleep", "30"])
    try:
        assert wait_for(lambda: json.loads(
            t.ok("info", "c1", "--format", "json").stdout)["usage"]["pids"] >= 3)
    finally:
        t.ok("stop", "-k", "c1")
        p.wait(timeout=10)


def test_console_replays_and_detaches(sys_taper, busybox_rootfs):
    t = sys_taper
    make_container(t.store, "c1", busybox_rootfs)
    r = t("console", "c1")
    assert r.returncode != 0 and "not running" in r.stderr
    t.ok("start", "c1")
    time.sleep(0.3)
    p = subprocess.Popen([t.binary, "--path", t.store, "console", "c1"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.5)
    p.stdin.write(b"\x01q")
    p.stdin.flush()
    out, _ = p.communicate(timeout=10)
    assert p.returncode == 0
    assert b"hello-console" in out
    assert state_of(t, "c1")["state"] == "RUNNING"


def test_console_sees_stop(sys_taper, busybox_rootfs):
    t = sys_taper
    make_container(t.store, "c1", busybox_rootfs)
    t.ok("start", "c1")
    p = subprocess.Popen([t.binary, "--path", t.store, "console", "c1"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.3)
    t.ok("stop", "c1")
    out, _ = p.communicate(timeout=10)
    assert p.returncode == 0
    assert b"bye" in out
