"""taper checkconfig: what the kernel offers, probed for real."""
import json
import os
import pty
import subprocess

import pytest

NAMESPACES = ["user", "pid", "mount", "uts", "ipc", "net", "cgroup", "time"]
ANSI = "\x1b["


def run_json(taper, env=None):
    r = taper("checkconfig", "--format", "json", env=env)
    assert r.returncode in (0, 1), r
    return r, json.loads(r.stdout)


def by_name(report):
    return {c["name"]: c for c in report["checks"]}


def expected_cgroup_mode():
    """The mode computed from /proc/self/mountinfo and /proc/cgroups alone."""
    with open("/proc/cgroups") as f:
        subsys = {line.split()[0] for line in f if not line.startswith("#")}
    v1_ctrl = v1 = v2 = False
    with open("/proc/self/mountinfo") as f:
        for line in f:
            post = line.split(" - ", 1)[1].split()
            fstype, superopts = post[0], post[2] if len(post) > 2 else ""
            if fstype == "cgroup2":
                v2 = True
            elif fstype == "cgroup":
                v1 = True
                if subsys & set(superopts.split(",")):
                    v1_ctrl = True
    if v1_ctrl and v2:
        return "hybrid"
    if v2:
        return "v2"
    return "v1" if v1 else None


def v1_mounts():
    """controller -> first v1 mount point, from mountinfo."""
    out = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            pre, post = line.split(" - ", 1)
            fields = post.split()
            if fields[0] != "cgroup":
                continue
            for opt in fields[2].split(","):
                out.setdefault(opt, pre.split()[4])
    return out


def test_json_shape(taper):
    r, rep = run_json(taper)
    assert isinstance(rep["cgroup_mode"], str)
    assert rep["cgroup_mode"] in ("v1", "v2", "hybrid")
    assert isinstance(rep["ok"], bool)
    assert isinstance(rep["missing_required"], list)
    assert rep["kernel_config"] is None or isinstance(rep["kernel_config"], str)
    assert isinstance(rep["checks"], list) and len(rep["checks"]) > 30
    names = [c["name"] for c in rep["checks"]]
    assert len(names) == len(set(names))
    for c in rep["checks"]:
        for key, typ in (("name", str), ("category", str), ("ok", bool), ("required", bool),
                         ("forced", bool), ("detail", str), ("purpose", str), ("kconfig", dict)):
            assert isinstance(c.get(key), typ), (c, key)
        assert c["detail"], c
        if c["ok"]:
            assert "fix" not in c, c
        else:
            assert isinstance(c["fix"], str) and c["fix"], c
        for opt, val in c["kconfig"].items():
            assert opt.startswith("CONFIG_")
            assert val is None or isinstance(val, str)
    missing = [c["name"] for c in rep["checks"] if c["required"] and not c["ok"]]
    assert rep["missing_required"] == missing
    assert rep["ok"] == (not missing)
    assert r.returncode == (0 if rep["ok"] else 1)
    categories = {c["category"] for c in rep["checks"]}
    assert {"namespaces", "cgroups", "network", "security", "mounts", "syscalls",
            "rootless"} == categories


def test_cgroup_mode_matches_mountinfo(taper):
    _, rep = run_json(taper)
    assert rep["cgroup_mode"] == expected_cgroup_mode()


def test_cgroup_controllers_where_mounted(taper):
    _, rep = run_json(taper)
    checks = by_name(rep)
    mounts = v1_mounts()
    for ctrl in ("cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "devices", "freezer"):
        name = "cgroup." + ctrl
        if ctrl in mounts and name in checks:
            assert checks[name]["ok"], checks[name]
            assert "v1" in checks[name]["detail"]
            assert f"at {mounts[ctrl]}" in checks[name]["detail"]
    # cgroup.v2 reports the root's available and delegated controllers.
    v2 = checks["cgroup.v2"]
    if rep["cgroup_mode"] in ("v2", "hybrid"):
        assert v2["ok"]
        assert "controllers:" in v2["detail"] and "delegated:" in v2["detail"]
    assert checks["cgroup.hierarchy"]["detail"].startswith(rep["cgroup_mode"] + ":")
    # Every container has device rules: what holds them is required.
    dev = checks["cgroup.device_rules"]
    assert dev["required"] and dev["ok"], dev
    if rep["cgroup_mode"] in ("v2", "hybrid"):
        assert dev["detail"].startswith("BPF device programs on cgroup2 at "), dev
    else:
        assert dev["detail"] == f"v1 devices controller at {mounts['devices']}", dev


def test_every_namespace_ok(taper):
    _, rep = run_json(taper)
    ns = [c for c in rep["checks"] if c["category"] == "namespaces"]
    assert sorted(c["name"] for c in ns) == sorted("ns." + n for n in NAMESPACES)
    for c in ns:
        assert c["ok"], c
        assert "unshare(" in c["detail"]


def test_ip_forward_is_informational(taper):
    _, rep = run_json(taper)
    c = by_name(rep)["net.ip_forward"]
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        on = f.read().strip() == "1"
    assert c["ok"] == on
    assert c["required"] is False


def test_kernel_config_is_extra_information(taper):
    _, rep = run_json(taper)
    if os.path.exists("/proc/config.gz"):
        assert rep["kernel_config"] == "/proc/config.gz"
        assert by_name(rep)["ns.user"]["kconfig"]["CONFIG_USER_NS"] in ("y", "m")
    elif rep["kernel_config"] is None:
        assert all(v is None for c in rep["checks"] for v in c["kconfig"].values())


def test_this_host_has_what_a_container_needs(taper):
    r = taper("checkconfig")
    assert r.returncode == 0, r
    assert r.stderr == ""


def test_forced_required_failure_exits_1_and_names_it(taper):
    r = taper("checkconfig", env={"TAPER_CHECK_FORCE_FAIL": "pivot_root,ns.pid"})
    assert r.returncode == 1, r
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r
    assert "missing" in lines[0] and "pivot_root" in lines[0] and "ns.pid" in lines[0]
    row = [l for l in r.stdout.splitlines() if l.split()[:1] == ["pivot_root"]]
    assert row and "MISSING" in row[0], r.stdout

    r, rep = run_json(taper, env={"TAPER_CHECK_FORCE_FAIL": "pivot_root"})
    assert r.returncode == 1
    c = by_name(rep)["pivot_root"]
    assert c["ok"] is False and c["forced"] is True and c["fix"]
    assert rep["missing_required"] == ["pivot_root"]


def test_forced_optional_failure_exits_0(taper):
    r = taper("checkconfig", env={"TAPER_CHECK_FORCE_FAIL": "net.macvlan,overlayfs"})
    assert r.returncode == 0, r
    r, rep = run_json(taper, env={"TAPER_CHECK_FORCE_FAIL": "net.macvlan"})
    assert r.returncode == 0
    assert by_name(rep)["net.macvlan"]["ok"] is False
    assert rep["ok"] is True


def test_unknown_forced_name_is_an_error(taper):
    r = taper("checkconfig", env={"TAPER_CHECK_FORCE_FAIL": "ns.pdi"})
    assert r.returncode == 1
    assert "ns.pdi" in r.stderr and r.stdout == ""


def test_bad_usage(taper):
    r = taper("checkconfig", "--format", "yaml")
    assert r.returncode == 2 and "yaml" in r.stderr
    r = taper("checkconfig", "extra")
    assert r.returncode == 2
    help_text = taper.ok("checkconfig", "--help").stdout
    assert "--format" in help_text
    # The help lists the required probes from the table, no others.
    _, rep = run_json(taper)
    required = help_text.split("Required:", 1)[1].split()
    assert required == [c["name"] for c in rep["checks"] if c["required"]]


def run_on_pty(argv, env):
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    out = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        out += data
    os.close(master)
    proc.wait(timeout=60)
    return proc.returncode, out.decode()


def test_colour_on_a_terminal_only(taper):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    rc, out = run_on_pty([taper.binary, "checkconfig"], env)
    assert rc == 0
    assert ANSI in out
    assert "ns.pid" in out

    piped = taper("checkconfig", env={"NO_COLOR": ""})
    assert piped.returncode == 0
    assert ANSI not in piped.stdout
    assert "ns.pid" in piped.stdout

    env["NO_COLOR"] = "1"
    rc, out = run_on_pty([taper.binary, "checkconfig"], env)
    assert rc == 0
    assert ANSI not in out
    assert "ns.pid" in out


def test_table_is_grouped_and_aligned(taper):
    out = taper.ok("checkconfig").stdout
    for title in ("Namespaces", "Control groups", "Networking", "Security", "Mounts",
                  "System calls", "Rootless containers"):
        assert out.count(f"\n{title}\n") == 1, title  # each heading once, in this order
    assert [l for l in out.splitlines() if l in ("Namespaces", "Control groups", "Networking", "Security",
            "Mounts", "System calls", "Rootless containers")] == ["Namespaces", "Control groups",
            "Networking", "Security", "Mounts", "System calls", "Rootless containers"]
    rows = [l for l in out.splitlines() if l.startswith("  ") and l.split()[0].startswith("ns.")]
    assert len(rows) == len(NAMESPACES)
    # The state column starts at the same offset on every row.
    offsets = {l.index(" ok ") for l in rows}
    assert len(offsets) == 1, rows


def host_links():
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True,
                         check=True).stdout
    return sorted(l.split(":")[1].strip().split("@")[0] for l in out.splitlines())


def test_probes_leave_the_host_alone(taper):
    links = host_links()
    with open("/proc/self/mountinfo") as f:
        mounts = sorted(l.split()[4] for l in f)
    taper.ok("checkconfig")
    after = host_links()
    # Other tests may add their own links meanwhile; ours never appear.
    assert not [l for l in after if l.startswith("tpck")], after
    # Nothing mounted here either; named network namespaces (/run/netns)
    # come and go with other test runs on the host.
    with open("/proc/self/mountinfo") as f:
        added = [m for m in (l.split()[4] for l in f) if m not in mounts]
    assert not [m for m in added if not m.startswith("/run/netns/")], added
    assert not [l for l in links if l.startswith("tpck")]


def test_no_kernel_config_is_not_a_failure(taper):
    """Hide the kernel config in a private mount namespace: live probes decide."""
    release = os.uname().release
    hide = " && ".join(f"mount --bind /dev/null {p}"
                       for p in ("/proc/config.gz", f"/boot/config-{release}")
                       if os.path.exists(p))
    script = f"{hide + ' && ' if hide else ''}exec \"$@\""
    argv = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", taper.binary,
            "checkconfig"]
    r = subprocess.run(argv + ["--format", "json"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r
    rep = json.loads(r.stdout)
    assert rep["kernel_config"] is None
    assert all(v is None for c in rep["checks"] for v in c["kconfig"].values())
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r
    assert "live probes above are the whole answer" in r.stdout


def test_no_fix_mounts_a_controller_the_kernel_lacks(taper):
    with open("/proc/cgroups") as f:
        have = {l.split()[0] for l in f if not l.startswith("#")}
    checks = json.loads(taper("checkconfig", "--format", "json").stdout)["checks"]
    absent = [c for c in checks if c["name"].startswith("cgroup.") and not c["ok"]
              and c["name"][len("cgroup."):] not in have and "absent" in c["detail"]]
    for c in absent:
        assert "mount" not in c["fix"] and "CONFIG_" in c["fix"], c
    present = [c for c in checks if c["name"] in ("cgroup.net_cls", "cgroup.net_prio") and not c["ok"]]
    for c in present:
        assert "mount -t cgroup" in c["fix"], c
