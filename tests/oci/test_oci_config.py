"""config.md, section by section: the same config run by taper-oci and by
runc must show the container the same thing; what taper refuses, it
refuses with the file and the JSON path."""
import os

import pytest

# (section, change to the config, command; both runtimes print the same,
# or taper-oci prints what the 4th element says where runc 1.1 does not
# honour the property: domainname and personality came in runc 1.2, and
# runc 1.1 leaves a tmpfs mount point's mode as the directory had it)
CASES = [
    ("process.args/env/cwd", lambda c: c["process"].update(env=["PATH=/bin:/usr/bin", "A=b c"], cwd="/tmp"),
     "echo \"$A\"; pwd"),
    ("process.user", lambda c: c["process"]["user"].update(uid=65534, gid=65534, additionalGids=[5, 7]),
     "id -u; id -g; id -G"),
    ("process.user.umask", lambda c: c["process"]["user"].update(umask=0o27), "umask"),
    ("process.rlimits", lambda c: c["process"].update(rlimits=[{"type": "RLIMIT_NOFILE", "soft": 321, "hard": 654},
                                                             {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]),
     "ulimit -n; ulimit -Hn; ulimit -c"),
    ("process.capabilities", lambda c: c["process"].update(capabilities={
        "bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"],
        "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}),
     "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status"),
    ("process.noNewPrivileges", lambda c: c["process"].update(noNewPrivileges=True), "grep NoNewPrivs /proc/self/status"),
    ("process.oomScoreAdj", lambda c: c["process"].update(oomScoreAdj=234), "cat /proc/self/oom_score_adj"),
    ("root.readonly", lambda c: c["root"].update(readonly=True), "touch /x 2>/dev/null || echo read-only"),
    ("hostname, domainname", lambda c: c.update(hostname="h1", domainname="d1.example"),
     "hostname; cat /proc/sys/kernel/domainname", "h1\nd1.example\n"),
    ("mounts: tmpfs with options", lambda c: c["mounts"].append(
        {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=700", "noexec"]}),
     "stat -c '%a' /scratch; grep ' /scratch ' /proc/self/mountinfo | grep -o noexec", "700\nnoexec\n"),
    # runtime-spec config.md "Mounts": "The runtime MUST mount entries in
    # the listed order"; the runtime's own mounts stand for the default
    # config's in its order (/proc, /dev..., /sys).
    ("mounts: in the listed order", lambda c: None,
     "awk '$5 ~ /^\\/(proc|dev|dev\\/pts|dev\\/shm|dev\\/mqueue|sys)$/ { print $5 }' /proc/self/mountinfo"),
    # runtime-spec config.md "Mounts", "source: A device name ... or a
    # dummy": what mount(2) is given, so that /proc/self/mountinfo shows it.
    ("mounts: source", lambda c: c["mounts"].append(
        {"destination": "/scratch", "type": "tmpfs", "source": "scratchfs", "options": ["size=1m"]}),
     "awk '$5 == \"/scratch\" || $5 == \"/dev/shm\" { print $5, $(NF - 1) }' /proc/self/mountinfo"),
    ("linux.namespaces: no network namespace", lambda c: c["linux"].update(
        namespaces=[n for n in c["linux"]["namespaces"] if n["type"] != "network"]),
     "[ $(readlink /proc/self/ns/net) = $(readlink /proc/1/ns/net) ] && echo same-as-init"),
    ("linux.sysctl", lambda c: c["linux"].update(sysctl={"net.ipv4.ip_forward": "1", "kernel.shmmni": "123"}),
     "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni"),
    ("linux.maskedPaths", lambda c: c["linux"].update(maskedPaths=["/proc/kcore", "/proc/acpi"]),
     "wc -c < /proc/kcore; ls /proc/acpi | wc -l"),
    ("linux.readonlyPaths", lambda c: c["linux"].update(readonlyPaths=["/proc/sys"]),
     "echo 1 > /proc/sys/kernel/shmmni 2>/dev/null || echo refused"),
    ("linux.devices", lambda c: c["linux"].update(devices=[
        {"type": "c", "path": "/dev/extra-null", "major": 1, "minor": 3, "fileMode": 0o640, "uid": 0, "gid": 0}]),
     "stat -c '%t:%T %a' /dev/extra-null"),
    ("linux.seccomp", lambda c: c["linux"].update(seccomp={
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}),
     "mkdir /tmp/d 2>&1 | grep -o 'Permission denied'"),
    ("linux.resources.pids", lambda c: c["linux"].update(resources={
        "pids": {"limit": 30}, "devices": [{"allow": False, "access": "rwm"}]}),
     "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max"),
    ("linux.personality", lambda c: c["linux"].update(personality={"domain": "LINUX32"}), "uname -m", "i686\n"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_same_as_runc(case, bundle, tmpdir_root):
    from conftest import RUNC, TAPER_OCI, Runtime
    section, change, cmd = case[:3]
    want = case[3] if len(case) > 3 else None
    if not RUNC and not want:
        pytest.skip("runc not installed")
    b = bundle(change, args=["sh", "-c", cmd])
    outs = {}
    for name, binary in (("taper-oci", TAPER_OCI),) + ((("runc", RUNC),) if RUNC and not want else ()):
        rt = Runtime(binary, os.path.join(tmpdir_root, "root-" + name), name)
        try:
            r = rt("run", "--bundle", b, "cfg")
        finally:
            rt.cleanup()
        outs[name] = (r.returncode, r.stdout)
        assert r.returncode == 0, (name, section, r.stdout, r.stderr)
    if want:
        assert outs["taper-oci"] == (0, want), (section, outs)
    else:
        assert outs["taper-oci"] == outs["runc"], (section, outs)


REFUSED = [
    (lambda c: c["process"].update(oomScoreAdj=5000), "process.oomScoreAdj: 5000 out of range"),
    (lambda c: c["mounts"].append({"destination": "/x", "source": "/tmp", "options": ["rbind", "idmap"]}),
     "mounts[7]: idmap without uidMappings and gidMappings takes the user namespace's maps, and the "
     "container has no user namespace"),
    (lambda c: c["linux"].update(sysctl={"vm.swappiness": "1"}), "linux.sysctl.vm.swappiness: not a namespaced"),
    (lambda c: c.update(hooks={"poststop": [{"path": "true"}]}),
     "hooks.poststop[0].path: \"true\" is not an absolute path"),
    (lambda c: c["linux"].update(cgroupsPath="system.slice:taper:x"),
     "linux.cgroupsPath: \"system.slice:taper:x\" is systemd's slice:prefix:name form, which needs --systemd-cgroup"),
    (lambda c: c["linux"].update(seccomp={"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/x.sock"}),
     "linux.seccomp.listenerPath: a seccomp agent"),
    (lambda c: c["root"].update(path="../../etc"), "root.path: \"../../etc\" climbs out of the bundle"),
]


@pytest.mark.parametrize("change,want", REFUSED, ids=[w.split(":")[0] for _, w in REFUSED])
def test_refusals_name_the_file_and_path(change, want, oci, bundle):
    b = bundle(change)
    r = oci("create", "--bundle", b, "bad")
    assert r.returncode == 1
    assert r.stderr == f"taper-oci: {b}/config.json: {want}" + r.stderr.split(want, 1)[1], r.stderr
    assert r.stderr.count("\n") == 1
    # Nothing is left: no state, no directory.
    assert oci("state", "bad").returncode != 0
    assert not os.path.exists(os.path.join(oci.root, "bad"))
