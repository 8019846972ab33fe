"""taper-oci against hostile bundles: an image's rootfs full of symlinks,
config.json fields that name host paths or the host's namespaces, and the
files the runtime writes for its caller (--pid-file, --root).

The config is the container engine's, the rootfs the image's: an attack
here is a rootfs that turns a plain config against the host, or a config
field that changes the host where runc would refuse it. Every test runs
taper-oci on a rootfs of its own (tests/oci's BASE config), and checks
what must hold on the host afterwards.
"""
import json
import os
import runpy
import subprocess
import threading

import pytest

from conftest import TAPER, make_busybox_rootfs

_OCI = runpy.run_path(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                   "oci", "conftest.py"))
BASE, Runtime = _OCI["BASE"], _OCI["Runtime"]
TAPER_OCI = os.path.join(os.path.dirname(TAPER), "taper-oci")


@pytest.fixture
def oci(tmpdir_root):
    rt = Runtime(TAPER_OCI, os.path.join(tmpdir_root, "root"), "taper-oci")
    yield rt
    rt.cleanup()


@pytest.fixture
def hostile(tmpdir_root):
    """make(change, args) -> a bundle with a writable rootfs of its own
    (rootfs/ of the bundle) and BASE's config, changed."""
    n = [0]

    def make(change=None, args=("true",)):
        n[0] += 1
        d = os.path.join(tmpdir_root, f"bundle{n[0]}")
        make_busybox_rootfs(os.path.join(d, "rootfs"))
        cfg = json.loads(json.dumps(BASE))
        cfg["root"] = {"path": "rootfs"}
        cfg["process"]["args"] = list(args)
        if change:
            change(cfg)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f)
        return d
    return make


def host_dir(tmpdir_root, name="host"):
    d = os.path.join(tmpdir_root, name)
    os.makedirs(d, exist_ok=True)
    return d


# ---- mount destinations (CVE-2021-30465, CVE-2023-27561) ---------------------


def add_tmpfs(dest):
    return lambda c: c["mounts"].append({"destination": dest, "type": "tmpfs", "source": "tmpfs",
                                         "options": ["size=1m"]})


@pytest.mark.parametrize("how", ["absolute-symlink", "relative-symlink", "dotdot"])
def test_mount_destination_stays_in_the_root(how, oci, hostile, tmpdir_root):
    """A destination through a rootfs symlink to a host directory, or
    with "..", is made and mounted inside the root: the host directory
    gets nothing, and the container sees its tmpfs."""
    host = host_dir(tmpdir_root)
    show = ["sh", "-c", f"grep -c ' {host}/made ' /proc/self/mountinfo"]
    if how == "dotdot":
        b = hostile(add_tmpfs("/../../../../../.." + host + "/made"), args=show)
    else:
        target = host if how == "absolute-symlink" else "../" * 8 + host.lstrip("/")
        b = hostile(add_tmpfs("/var/evil/made"), args=show)
        os.symlink(target, os.path.join(b, "rootfs", "var", "evil"))
    # The same path inside the root, for the symlink to resolve to there.
    os.makedirs(os.path.join(b, "rootfs", host.lstrip("/")))
    r = oci("run", "--bundle", b, "m1")
    assert os.listdir(host) == [], f"a mount destination reached the host: {r.stderr}"
    assert r.returncode == 0, r.stderr
    # Where it went: inside the root, where the container sees it.
    assert r.stdout.strip() == "1"
    assert os.path.isdir(os.path.join(b, "rootfs", host.lstrip("/"), "made"))


def test_mount_destination_symlink_exchange_race(oci, hostile, tmpdir_root):
    """CVE-2021-30465: a process swaps a rootfs directory with a symlink to
    a host directory while the runtime mounts under it. Each destination
    is opened once, in the root, and mounted on that fd: whatever the
    interleaving, nothing is made on the host."""
    host = host_dir(tmpdir_root)
    n_mounts = 16
    b = hostile(lambda c: [add_tmpfs(f"/race/m{i}")(c) for i in range(n_mounts)])
    root = os.path.join(b, "rootfs")
    os.mkdir(os.path.join(root, "race"))
    os.symlink(host, os.path.join(root, "swap"))
    libc = __import__("ctypes").CDLL(None, use_errno=True)
    at_fdcwd, rename_exchange = -100, 2
    stop = threading.Event()

    def racer():
        a, s = os.path.join(root, "race").encode(), os.path.join(root, "swap").encode()
        while not stop.is_set():
            libc.renameat2(at_fdcwd, a, at_fdcwd, s, rename_exchange)

    t = threading.Thread(target=racer)
    t.start()
    try:
        for i in range(10):
            oci("run", "--bundle", b, f"race{i}")
    finally:
        stop.set()
        t.join()
    assert os.listdir(host) == []


@pytest.mark.parametrize("what", ["proc", "sys", "dev"])
@pytest.mark.parametrize("target", ["/fake", "fake", "/"])
def test_proc_sys_dev_symlinks_in_the_rootfs_are_refused(what, target, oci, hostile):
    """CVE-2019-19921, CVE-2023-27561: an image whose /proc is a symlink
    gets the procfs mounted where it points, and the masked and read-only
    paths (/proc/kcore, /proc/sys) applied elsewhere or not at all. The
    runtime's own mounts refuse a target that is or crosses a symlink."""
    b = hostile(args=["sh", "-c", "wc -c < /proc/kcore; echo x > /proc/sys/kernel/domainname && echo WROTE"])
    root = os.path.join(b, "rootfs")
    os.rmdir(os.path.join(root, what))
    os.makedirs(os.path.join(root, "fake"))
    os.symlink(target, os.path.join(root, what))
    r = oci("run", "--bundle", b, "p")
    assert "WROTE" not in r.stdout
    assert r.returncode != 0
    assert f"mount target /{what}" in r.stderr and "symlink" in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1


# ---- sysctls and the runtime's own namespaces --------------------------------

REFUSED_SYSCTLS = [
    ("kernel.core_pattern", "|/tmp/x"),
    ("kernel.panic", "1"),
    ("kernel.shm_next_id", "1"),
    ("vm.overcommit_memory", "1"),
    ("fs.file-max", "1000"),
    ("fs.protected_symlinks", "0"),
    ("net/../kernel/core_pattern", "x"),
    ("net.ipv4/../../kernel/panic", "1"),
]


@pytest.mark.parametrize("key,value", REFUSED_SYSCTLS, ids=[k for k, _ in REFUSED_SYSCTLS])
def test_sysctls_that_are_not_namespaced_are_refused(key, value, oci, hostile):
    """runc's rule: kernel.* only for the ipc and uts ones, net.* with a
    network namespace, fs.mqueue.*; vm.*, fs.* and the rest would change
    the host."""
    b = hostile(lambda c: c["linux"].update(sysctl={key: value}))
    r = oci("run", "--bundle", b, "s")
    assert r.returncode != 0
    assert f"linux.sysctl.{key}" in r.stderr and r.stderr.count("\n") == 1, r.stderr


def join_own(ns_type):
    """The namespace of that type joined by a path that is the runtime's
    own ("/proc/self/ns/..." opened by the runtime)."""
    def change(c):
        c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != ns_type]
        c["linux"]["namespaces"].append({"type": ns_type, "path": f"/proc/self/ns/{ns_type[:3]}"
                                         if ns_type != "network" else "/proc/self/ns/net"})
    return change


OWN_NS = {
    "net-sysctl": ("network", lambda c: c["linux"].update(sysctl={"net.ipv4.tcp_fin_timeout": "33"}),
                   "cat /proc/sys/net/ipv4/tcp_fin_timeout"),
    "ipc-sysctl": ("ipc", lambda c: c["linux"].update(sysctl={"kernel.msgmax": "4242"}),
                   "cat /proc/sys/kernel/msgmax"),
    "uts-sysctl": ("uts", lambda c: c["linux"].update(sysctl={"kernel.domainname": "pwned"}),
                   "cat /proc/sys/kernel/domainname"),
    "uts-hostname": ("uts", lambda c: c.update(hostname="pwned"), "hostname"),
}


@pytest.mark.parametrize("case", OWN_NS)
def test_namespaced_writes_into_the_runtimes_own_namespace_are_refused(case, oci, hostile):
    """A network, ipc or uts namespace joined by a path that is the
    runtime's own is the host's: a sysctl or host name the config sets
    there would change the host. Refused, as runc refuses the network
    case. The runtime runs in namespaces of this test's own, so that a
    regression changes only those."""
    ns_type, setting, show = OWN_NS[case]
    b = hostile(lambda c: (join_own(ns_type)(c), setting(c)))
    script = (f"{show}; {TAPER_OCI} --root {oci.root} run --bundle {b} own; echo rc=$?; {show}")
    p = subprocess.run(["unshare", "--net", "--uts", "--ipc", "sh", "-c", script],
                       capture_output=True, text=True, timeout=60)
    before, rc, after = p.stdout.splitlines()
    assert after == before, f"the runtime's own namespace changed: {before} -> {after}"
    assert rc != "rc=0"
    assert "is the runtime's own: it would change the host" in p.stderr, p.stderr
    assert p.stderr.count("\n") == 1


def test_a_joined_namespace_of_another_process_still_takes_sysctls(oci, hostile):
    """Joining a network namespace that is not the runtime's own (a pod's)
    with a net.* sysctl still works, and writes there only."""
    holder = subprocess.Popen(["unshare", "--net", "sleep", "100"])
    try:
        path = f"/proc/{holder.pid}/ns/net"
        for _ in range(100):
            if os.readlink(path) != os.readlink("/proc/self/ns/net"):
                break
            __import__("time").sleep(0.02)
        mine = open("/proc/sys/net/ipv4/tcp_fin_timeout").read()
        b = hostile(lambda c: (c["linux"]["namespaces"].remove({"type": "network"}),
                               c["linux"]["namespaces"].append({"type": "network", "path": path}),
                               c["linux"].update(sysctl={"net.ipv4.tcp_fin_timeout": "33"})),
                    args=["cat", "/proc/sys/net/ipv4/tcp_fin_timeout"])
        r = oci("run", "--bundle", b, "pod")
        assert r.returncode == 0, r.stderr
        assert r.stdout == "33\n"
        assert open("/proc/sys/net/ipv4/tcp_fin_timeout").read() == mine
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("ns_type", ["user", "mount"])
def test_joining_the_hosts_user_or_mount_namespace_changes_nothing_there(ns_type, oci, hostile):
    """A user or mount namespace joined by path (the host's: /proc/1/ns/...)
    must not put the container's mounts on the host's table nor hand it the
    host's ids: the host's user namespace cannot be entered again, and in a
    joined mount namespace the runtime makes no mount, so a config asking
    for mounts there is refused by name."""
    path = {"user": "/proc/1/ns/user", "mount": "/proc/1/ns/mnt"}[ns_type]
    with open("/proc/self/mountinfo") as f:
        before = f.read()

    def change(c):
        c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != ns_type]
        c["linux"]["namespaces"].append({"type": ns_type, "path": path})
    r = oci("run", "--bundle", hostile(change), "j")
    assert r.returncode != 0
    want = {"user": f"user namespace {path}", "mount": "the runtime makes no mount in it"}[ns_type]
    assert want in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr
    with open("/proc/self/mountinfo") as f:
        assert f.read() == before


# ---- process.user ------------------------------------------------------------

BAD_IDS = {
    "uid": {"uid": 4294967295, "gid": 0},
    "gid": {"uid": 1000, "gid": 4294967295},
}


@pytest.mark.parametrize("which", BAD_IDS)
def test_oci_user_id_minus_one_does_not_stay_root(which, oci, hostile):
    """(uid_t)-1 means "unchanged" to setresuid/setresgid: a uid or gid
    of 4294967295 left the process root (uid or group 0). Refused."""
    b = hostile(lambda c: c["process"].update(user=BAD_IDS[which]), args=["id"])
    r = oci("run", "--bundle", b, "u")
    assert "uid=0(" not in r.stdout and "gid=0(" not in r.stdout, r.stdout
    assert r.returncode != 0
    assert "not a user id" in r.stderr or "not a group id" in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1


@pytest.mark.parametrize("user", ["4294967295", "1000:4294967295"])
def test_run_user_id_minus_one_does_not_stay_root(user, taper, fresh_rootfs):
    r = taper("run", "--rootfs", fresh_rootfs, "--user", user, "id")
    assert "uid=0(" not in r.stdout and "gid=0(" not in r.stdout, r.stdout
    assert r.returncode != 0
    assert "not a user id" in r.stderr or "not a group id" in r.stderr, r.stderr


# ---- the files the runtime writes for its caller -----------------------------


def test_pid_file_symlink_is_replaced_not_followed(oci, hostile, tmpdir_root):
    """--pid-file is written as runc writes it: a temporary file renamed
    over the name. A symlink there (to a host file) is replaced, never
    written through."""
    victim = os.path.join(tmpdir_root, "victim")
    with open(victim, "w") as f:
        f.write("precious\n")
    link = os.path.join(tmpdir_root, "pid")
    os.symlink(victim, link)
    oci.ok("create", "--bundle", hostile(args=["sleep", "100"]), "--pid-file", link, "p")
    assert open(victim).read() == "precious\n"
    assert not os.path.islink(link)
    assert open(link).read() == str(oci.state("p")["pid"])
    oci.ok("delete", "--force", "p")


@pytest.mark.parametrize("cid", ["..", ".", "../escaped", "a/b", "/abs", "-x", "x" * 65, ""])
def test_container_ids_cannot_name_paths(cid, oci, hostile, tmpdir_root):
    """An id is a name of <root>/ID, of cgroup groups taper/<root id>/ID and
    of state: one path component, runc's [A-Za-z0-9_.-] and no dot-names."""
    b = hostile(args=["sleep", "100"])
    before = sorted(os.listdir(tmpdir_root))
    r = oci("create", "--bundle", b, cid)
    assert r.returncode != 0
    assert r.stderr.count("\n") == 1, r.stderr
    assert sorted(os.listdir(tmpdir_root)) == before
    assert not os.path.exists(os.path.join(oci.root, cid)) or not cid or cid in (".", "..")
    assert oci("state", cid).returncode != 0


# ---- process.cwd (CVE-2024-21626 through taper-oci's holder) -----------------


def test_oci_cwd_proc_self_fd_never_lands_on_the_host(oci, hostile, tmpdir_root):
    """taper-oci's holder holds fds of its own (--root, the state dir, the
    bundle): a process.cwd of /proc/self/fd/N must not reach one."""
    decoy = os.path.join(tmpdir_root, ".decoy")
    with open(decoy, "w") as f:
        f.write("untouched\n")
    os.chmod(decoy, 0o666)
    for n in range(3, 21):
        b = hostile(lambda c: c["process"].update(cwd=f"/proc/self/fd/{n}"),
                    args=["sh", "-c", "ls -a . .. ../..; echo x >> ../.decoy; echo x >> ../../.decoy"])
        r = oci("run", "--bundle", b, f"cwd{n}")
        assert ".decoy" not in r.stdout, (n, r.stdout)
    assert open(decoy).read() == "untouched\n"


# ---- --root ------------------------------------------------------------------


@pytest.mark.parametrize("mode,owner", [(0o777, 0), (0o1777, 0), (0o775, 0), (0o755, 65534)])
def test_a_root_others_may_write_is_refused(mode, owner, oci, hostile, tmpdir_root):
    """Whoever may write --root may swap a container's directory for one of
    theirs: its state.json names the pid (and start time) that kill and
    delete --force signal, a host process of their choosing. Every command
    refuses such a root, naming it, as the web token's file is refused."""
    os.makedirs(oci.root)
    os.chmod(oci.root, mode)
    os.chown(oci.root, owner, owner)
    # A state.json planted for a host process.
    victim = subprocess.Popen(["sleep", "100"])
    planted = os.path.join(oci.root, "victim")
    try:
        os.mkdir(planted, 0o700)
        stat = open(f"/proc/{victim.pid}/stat").read().rsplit(")", 1)[1].split()
        with open(os.path.join(planted, "state.json"), "w") as f:
            json.dump({"id": "victim", "pid": victim.pid, "start_time": int(stat[19]), "started": True}, f)
        for args in (["kill", "victim", "KILL"], ["delete", "--force", "victim"], ["state", "victim"],
                     ["list"], ["create", "--bundle", hostile(args=["sleep", "100"]), "c"]):
            r = oci(*args)
            assert victim.poll() is None, f"{args}: the planted pid was killed"
            assert r.returncode != 0, (args, r.stdout)
            assert f"--root {oci.root}: owned by uid {owner} with mode {mode:04o}" in r.stderr, r.stderr
        assert not os.path.exists(os.path.join(oci.root, "c"))
    finally:
        subprocess.run(["rm", "-rf", planted])
        os.chmod(oci.root, 0o700)
        os.chown(oci.root, 0, 0)
        victim.kill()
        victim.wait()


def test_a_container_dir_that_is_a_symlink_is_not_followed(oci, hostile, tmpdir_root):
    os.makedirs(oci.root, 0o700)
    elsewhere = os.path.join(tmpdir_root, "elsewhere")
    os.mkdir(elsewhere)
    with open(os.path.join(elsewhere, "state.json"), "w") as f:
        json.dump({"id": "s", "pid": 1, "start_time": 1, "started": True}, f)
    os.symlink(elsewhere, os.path.join(oci.root, "s"))
    try:
        r = oci("state", "s")
        assert r.returncode != 0 and r.stderr.count("\n") == 1, r.stderr
    finally:
        os.remove(os.path.join(oci.root, "s"))


@pytest.mark.parametrize("path", ["/etc/evil", "/dev/../etc/evil", "/dev/x/../../etc/evil", "/dev/./x", "/dev/",
                                  "/dev/..", "dev/null", "/devil"])
def test_device_paths_outside_dev_are_refused(path, oci, hostile):
    """linux.devices makes nodes as host root: only under the container's
    own /dev (a fresh tmpfs), never a path that climbs out of it."""
    b = hostile(lambda c: c["linux"].update(devices=[{"type": "c", "path": path, "major": 1, "minor": 3}]))
    r = oci("run", "--bundle", b, "d")
    assert r.returncode != 0
    assert "linux.devices[0].path" in r.stderr and r.stderr.count("\n") == 1, r.stderr
