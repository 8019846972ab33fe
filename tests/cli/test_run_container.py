"""taper run --container NAME CMD (lxc-execute): one command in a stored
container's configuration, the container RUNNING meanwhile."""
import json
import os
import subprocess

from lifecycle_util import leftovers, wait_for


def state(t, name):
    return json.loads(t.ok("info", name, "--format", "json").stdout)["state"]


def test_runs_in_the_containers_configuration(sys_taper):
    t = sys_taper
    t.ok("create", "c1", "-t", "busybox")
    with open(os.path.join(t.store, "c1", "rootfs", "etc", "mine"), "w") as f:
        f.write("c1's own rootfs\n")
    t.ok("config", "c1", "environment", "FROM_CONFIG=yes")
    idmap = t.ok("config", "c1", "idmap").stdout.split()  # b 0 HOST COUNT
    r = t("run", "--container", "c1", "--", "sh", "-c",
          "hostname; cat /etc/mine; echo $FROM_CONFIG; cat /proc/self/uid_map; "
          "ip -4 -o addr show eth0 | wc -l; echo to-stderr >&2; exit 7")
    assert r.returncode == 7, r
    lines = r.stdout.splitlines()
    assert lines[0] == "c1" and lines[1] == "c1's own rootfs" and lines[2] == "yes", r
    assert lines[3].split() == ["0", idmap[2], idmap[3]], r
    assert lines[4] == "1", r  # its veth, with an address
    assert r.stderr == "to-stderr\n", r  # no pty: stderr stays stderr, no \r
    # stdin is the caller's.
    r = t("run", "--container", "c1", "tr", "a-z", "A-Z", input="piped\n")
    assert r.returncode == 0 and r.stdout == "PIPED\n", r
    assert state(t, "c1") == "STOPPED"
    assert leftovers(t.store) == {}


def test_running_meanwhile_and_stoppable(sys_taper):
    t = sys_taper
    t.ok("create", "c1", "-t", "busybox")
    p = subprocess.Popen([t.binary, "--path", t.store, "run", "--container", "c1", "--",
                          "sleep", "300"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: state(t, "c1") == "RUNNING", 20)
        r = t("start", "c1")
        assert r.returncode == 1 and "already running" in r.stderr, r
        r = t("run", "--container", "c1", "true")
        assert r.returncode == 125 and "already running" in r.stderr, r
        assert t.ok("attach", "c1", "--", "hostname").stdout == "c1\n"
        t.ok("stop", "c1", "-t", "5")
        # The command got the stop signal (SIGPWR) through the init.
        assert p.wait(timeout=30) == 128 + 30
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert state(t, "c1") == "STOPPED"
    assert leftovers(t.store) == {}
    # And it starts as ever afterwards.
    t.ok("start", "c1")
    t.ok("stop", "c1")


def test_refusals_and_statuses(sys_taper):
    t = sys_taper
    t.ok("create", "c1", "-t", "busybox")
    for argv, status, words in (
            (["--container", "c1", "--", "/no/such"], 127, "/no/such"),
            (["--container", "c1", "/etc/passwd"], 126, "Permission denied"),
            (["--container", "nosuch", "true"], 125, "not found"),
            (["--container", "c1"], 125, "no command"),
            (["--container", "c1", "--memory", "1M", "true"], 125, "no other flag"),
            (["--container"], 125, "name")):
        r = t("run", *argv)
        assert r.returncode == status and words in r.stderr, (argv, r)
        assert r.stderr.count("taper: run:") == 1, (argv, r)
    assert t("run", "--container=c1", "sh", "-c", "exit 4").returncode == 4
    t.ok("start", "c1")
    r = t("run", "--container", "c1", "true")
    assert r.returncode == 125 and "already running" in r.stderr, r
    t.ok("stop", "c1")
    assert leftovers(t.store) == {}


def test_a_command_that_exits_at_once(sys_taper):
    """The init may be gone before its monitor reads its start time: that
    is a run like any other (it was 'start time of init: No such process'
    four times in ten here)."""
    t = sys_taper
    t.ok("create", "c1", "-t", "busybox")
    for _ in range(10):
        r = t("run", "--container", "c1", "true")
        assert r.returncode == 0 and r.stderr == "", r
    t.ok("config", "c1", "init.cmd", "/bin/true")
    for _ in range(10):
        r = t("start", "-F", "c1", input="")
        assert r.returncode == 0 and "start time" not in r.stderr, r
    assert leftovers(t.store) == {}
