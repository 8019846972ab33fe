"""Device access: every container's cgroup carries device rules (a BPF
program on cgroup2, the v1 devices controller elsewhere), so that a node
made with CAP_MKNOD or shipped in a rootfs does not reach the host's
device. Nodes use major 240, which no driver here has: the kernel checks
the rules before it looks for a driver, so a denied open fails with EPERM
and an allowed one with ENXIO, and nothing real is ever opened."""
import os

import pytest

import lifecycle_util
from test_run import rootfs, run, taper_cgroups  # noqa: F401 (fixture)

DENIED = "Operation not permitted"
ALLOWED = "No such device or address"  # passed the rules, found no driver
OPEN_240 = ("rm -f /tmp/n240; mknod /tmp/n240 c 240 0 && head -c1 /tmp/n240; rm -f /tmp/n240; "
            "head -c1 /dev/null && echo NULL-OK")


def test_a_new_node_is_refused_by_default(taper, rootfs):  # noqa: F811
    r = run(taper, rootfs, "--", "sh", "-c", OPEN_240)
    assert DENIED in r.stderr, r
    assert "NULL-OK" in r.stdout, r  # the default list still works
    assert taper_cgroups(taper) == []


@pytest.mark.parametrize("extra", [[], ["--memory", "64M"], ["--pids-limit", "50"]])
def test_a_rule_allows_it(taper, rootfs, extra):  # noqa: F811
    """With and without limits (a minimal group on cgroup2 alone, or one
    in every hierarchy), the rules are the same."""
    r = run(taper, rootfs, *extra, "--device-cgroup-rule", "c 240:* rm", "--", "sh", "-c", OPEN_240)
    assert ALLOWED in r.stderr, r
    assert DENIED not in r.stderr, r
    r = run(taper, rootfs, *extra, "--", "sh", "-c", OPEN_240)
    assert DENIED in r.stderr, r
    assert taper_cgroups(taper) == []


def test_bad_rule_is_refused(taper, rootfs):  # noqa: F811
    r = run(taper, rootfs, "--device-cgroup-rule", "c 240 rwm", "--", "true")
    assert r.returncode == 125
    assert r.stderr == ("taper: run: --device-cgroup-rule: expected TYPE MAJOR:MINOR ACCESS "
                        "(c 10:200 rwm), got \"c 240 rwm\"\n"), r


def test_a_node_in_a_system_containers_rootfs(sys_taper):
    """The rootfs of an unprivileged system container holds a device node
    (as a hostile archive could): its root cannot open it."""
    t = sys_taper
    t.ok("create", "dev1", "-t", "busybox")
    t.ok("config", "dev1", "--unset", "net.0.link")
    t.ok("config", "dev1", "--unset", "net.0.type")
    assert "idmap" in t.ok("config", "dev1").stdout
    os.mknod(os.path.join(t.store, "dev1", "rootfs", "node240"), 0o666 | 0o020000,
             os.makedev(240, 0))
    t.ok("start", "dev1")
    r = t("attach", "dev1", "--", "head", "-c1", "/node240")
    assert DENIED in r.stderr, r
    t.ok("stop", "-k", "dev1")
    t.ok("config", "dev1", "cgroup.devices.allow", "c 240:0 r")
    t.ok("start", "dev1")
    r = t("attach", "dev1", "--", "head", "-c1", "/node240")
    assert ALLOWED in r.stderr, r
    t.ok("stop", "-k", "dev1")
    assert lifecycle_util.leftovers(t.store) == {}


@pytest.mark.parametrize("value", ["c 240 rwm", "x 1:3 r", "c 1:3 rwx", "a 1:3 r", "c 1:3 rr"])
def test_bad_config_rule_is_refused(taper, value):
    os.makedirs(os.path.join(taper.store, "c1", "rootfs"))
    with open(os.path.join(taper.store, "c1", "config"), "w") as f:
        f.write("uts.name = c1\n")
    r = taper("config", "c1", "cgroup.devices.allow", value)
    assert r.returncode == 1
    assert r.stderr == (f'taper: config: cgroup.devices.allow: invalid device rule "{value}" '
                        "(a, or TYPE MAJOR:MINOR ACCESS: c 1:3 rwm, b *:* m)\n"), r
