"""The classic container escapes, each shown to fail, seen from outside.

Every attack runs twice: in `taper run` with its defaults (docker's
capability set and seccomp profile, no_new_privs, the OCI masked and
read-only paths, the device rules) and in an unprivileged system container
as `taper create NAME -t busybox` makes it (a user namespace over an
idmapped rootfs, its own cgroup namespace), reached with `taper attach`.
A static probe (tests/probe/probe.c) makes the system calls and prints
"ok" or "errno N NAME", so that each test asserts the errno the defence
gives, not merely a failure. README.md beside this file maps each test to
the defence that stops it.
"""
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile

import pytest

from conftest import TAPER, Taper, make_busybox_rootfs, store_id
import lifecycle_util

BUILD = os.environ.get("TAPER_BUILD") or os.path.dirname(TAPER)
PROBE = os.path.join(BUILD, "tests", "probe", "probe")

OK = "ok"
EPERM = "errno 1 Operation not permitted"
ENOENT = "errno 2 No such file or directory"
EACCES = "errno 13 Permission denied"
EROFS = "errno 30 Read-only file system"

INIT = "/bin/sh -c 'trap \"exit 0\" USR2; while :; do sleep 1; done'"


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def host_mountinfo():
    with open("/proc/self/mountinfo") as f:
        return sorted(f.read().splitlines())


@pytest.fixture(scope="module")
def secret():
    """A file only the host has: no container may read it by any path."""
    d = tempfile.mkdtemp(prefix="taper-secret-")
    path = os.path.join(d, "host-secret")
    with open(path, "w") as f:
        f.write("host only\n")
    yield path
    shutil.rmtree(d, ignore_errors=True)


def add_probes(root):
    """/probe, and /probe-suid: a setuid-root copy that prints its ids."""
    shutil.copy2(PROBE, os.path.join(root, "probe"))
    suid = os.path.join(root, "probe-suid")
    shutil.copy2(PROBE, suid)
    os.chown(suid, 0, 0)
    os.chmod(suid, 0o4755)


@pytest.fixture(scope="module")
def rootfs():
    d = tempfile.mkdtemp(prefix="taper-sec-rootfs-")
    os.chmod(d, 0o755)
    make_busybox_rootfs(d)
    add_probes(d)
    yield d
    shutil.rmtree(d, ignore_errors=True)


class Run:
    """The `taper run` side: a fresh container per call."""
    kind = "run"

    def __init__(self, taper, rootfs):
        self.taper, self.rootfs = taper, rootfs

    def sh(self, script, *flags):
        return self.taper("run", "--rootfs", self.rootfs, *flags, "--", "/bin/sh", "-c", script)

    def probe(self, *args, flags=()):
        r = self.taper("run", "--rootfs", self.rootfs, *flags, "--", "/probe", *args)
        assert r.returncode == 0, r
        return r.stdout.strip()


class System:
    """The system container side: one running container per module, each
    call one `taper attach`."""
    kind = "system"

    def __init__(self, taper, name):
        self.taper, self.name = taper, name
        self.rootfs = os.path.join(taper.store, name, "rootfs")

    def sh(self, script):
        return self.taper("attach", self.name, "--", "/bin/sh", "-c", script)

    def probe(self, *args):
        r = self.taper("attach", self.name, "--", "/probe", *args)
        assert r.returncode == 0, r
        return r.stdout.strip()

    def init_pid(self):
        rows = json.loads(self.taper.ok("ls", "--format", "json").stdout)
        return {r["name"]: r for r in rows}[self.name]["pid"]


@pytest.fixture(scope="module")
def system_store():
    d = tempfile.mkdtemp(prefix="taper-sec-")
    store = os.path.join(d, "store")
    os.mkdir(store)
    t = Taper(store)
    yield t
    lifecycle_util.kill_all(t)
    for g in glob.glob(f"/sys/fs/cgroup/*/taper/{store_id(store)}/"):
        try:
            os.rmdir(g)
        except OSError:
            pass
    shutil.rmtree(f"/run/taper/{store_id(store)}", ignore_errors=True)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def system(system_store):
    """`taper create box -t busybox` (its defaults: idmap, rootfs.idmap,
    seccomp, no_new_privs), off the host's network, with a shell init."""
    t = system_store
    t.ok("create", "box", "-t", "busybox")
    t.ok("config", "box", "net.0.type", "empty")
    t.ok("config", "box", "--unset", "net.0.link")
    t.ok("config", "box", "init.cmd", INIT)
    t.ok("config", "box", "stop.signal", "SIGUSR2")
    cfg = t.ok("config", "box").stdout
    assert "idmap = " in cfg and "rootfs.idmap = true" in cfg, cfg
    box = System(t, "box")
    add_probes(box.rootfs)
    # Device nodes the rootfs already holds (as an archive could bring):
    # a disk and /dev/mem.
    os.mknod(os.path.join(box.rootfs, "sda"), 0o666 | 0o060000, os.makedev(8, 0))
    os.mknod(os.path.join(box.rootfs, "mem"), 0o666 | 0o020000, os.makedev(1, 1))
    t.ok("start", "box")
    return box


@pytest.fixture(params=["run", "system"])
def box(request, taper, rootfs):
    if request.param == "run":
        return Run(taper, rootfs)
    return request.getfixturevalue("system")


# --- seeing and reaching the host -------------------------------------------

def test_host_pids_are_invisible(box):
    """/proc lists only the container's processes; PID 1 is its own."""
    r = box.sh("for p in /proc/[0-9]*; do echo ${p#/proc/} $(cat $p/comm); done")
    assert r.returncode == 0, r
    procs = dict(l.split(None, 1) for l in r.stdout.splitlines())
    # The shell, its subshells for $(cat), their cats, and the init.
    assert set(procs.values()) <= {"sh", "cat", "sleep"}, procs
    assert procs.get("1") == "sh", procs
    # No pid of a host process is reachable: the test's own is not a
    # process of the container (where it would be the same number).
    assert str(os.getpid()) not in procs or procs[str(os.getpid())] in ("sh", "cat", "sleep")


def test_host_files_are_unreachable(box, secret):
    """'..' past the root, /proc/1/root and the chroot trick (chroot into
    a subdirectory keeps the cwd outside it, then climb): the rootfs is a
    pivot_root'ed mount, not a chroot, so all of them stop at its root."""
    for path in (secret, "/../../.." + secret, "/proc/1/root" + secret):
        assert box.probe("open-read", path) == ENOENT, path
    # CAP_SYS_CHROOT is in both sets; the climb ends at the container's /.
    assert box.probe("chroot-escape", secret) == ENOENT
    assert box.probe("chroot-escape", "/probe") == OK
    assert box.probe("open-write", secret) == ENOENT


def test_open_by_handle_at_shocker(box):
    """open_by_handle_at (the 2014 "shocker" exploit) needs
    CAP_DAC_READ_SEARCH of the host's user namespace: `taper run` has not
    that capability (so the profile denies the call), a system container
    has it only in its own user namespace (the kernel refuses)."""
    assert box.probe("shocker") == EPERM


# --- kernel settings ------------------------------------------------------------

def test_proc_sys_write(box):
    """kernel.* stays the host's: /proc/sys is read-only in `taper run`;
    in a system container its files belong to host root, so even with the
    read-only mount taken away the container's root is refused."""
    host = socket.gethostname()
    with open("/proc/sys/kernel/panic") as f:
        panic = f.read().strip()
    if box.kind == "run":
        expect = EROFS
        assert box.probe("write", "/proc/sys/kernel/hostname", "evil") == expect
        assert box.probe("write", "/proc/sys/kernel/panic", panic) == expect
    else:
        assert box.probe("write", "/proc/sys/kernel/hostname", "evil") == EACCES
        r = box.sh("umount /proc/sys && /probe write /proc/sys/kernel/hostname evil && "
                   f"/probe write /proc/sys/kernel/panic {panic} && "
                   "/probe write /proc/sys/kernel/core_pattern '|/evil'")
        assert r.stdout.split("\n")[:3] == [EACCES] * 3, r
    assert socket.gethostname() == host


@pytest.mark.skipif(not os.path.exists("/proc/sysrq-trigger"),
                    reason="kernel without CONFIG_MAGIC_SYSRQ: no /proc/sysrq-trigger")
def test_sysrq_trigger(box):
    """/proc/sysrq-trigger: a read-only bind in `taper run` (OCI
    readonlyPaths); host root's file in a system container."""
    expect = EROFS if box.kind == "run" else EACCES
    # "h" only prints the help to the kernel log, were it ever let through.
    assert box.probe("write", "/proc/sysrq-trigger", "h") == expect


def test_sysrq_trigger_absent_stays_absent(box):
    """Where the host has no /proc/sysrq-trigger, nor does the container."""
    if os.path.exists("/proc/sysrq-trigger"):
        pytest.skip("the host has /proc/sysrq-trigger: test_sysrq_trigger")
    assert box.probe("write", "/proc/sysrq-trigger", "h") == ENOENT


# --- mounts -----------------------------------------------------------------------

def test_mount_denied_in_run(taper, rootfs):
    """No CAP_SYS_ADMIN: the seccomp profile refuses mount(2) outright."""
    box = Run(taper, rootfs)
    assert box.probe("mount", "proc", "/tmp", "proc") == EPERM
    assert box.probe("mount", "none", "/tmp", "tmpfs") == EPERM
    assert box.probe("mount", "/", "/tmp", "none", "1000") == EPERM  # MS_BIND
def test_mounts_in_a_system_container_stay_inside(system, secret):
    """The container's root may mount (CAP_SYS_ADMIN of its user
    namespace), in its own mount namespace only: a bind of / is its own
    root, a new proc shows its own pids, nothing reaches the host."""
    before = host_mountinfo()
    r = system.sh("mkdir -p /mnt/root /mnt/proc /mnt/tmp && "
                  "/probe mount / /mnt/root none 1000 && "
                  "/probe mount proc /mnt/proc proc && "
                  "/probe mount none /mnt/tmp tmpfs && "
                  f"/probe open-read /mnt/root{secret}; /probe open-read /mnt/root/probe; "
                  "ls /mnt/proc | grep '^[0-9]' | while read p; do cat /mnt/proc/$p/comm; done | sort -u; "
                  "umount /mnt/root /mnt/proc /mnt/tmp")
    lines = r.stdout.splitlines()
    assert lines[:5] == [OK, OK, OK, ENOENT, OK], r
    assert set(lines[5:]) <= {"sh", "ls", "grep", "cat", "sort", "sleep"}, r
    assert host_mountinfo() == before


# --- kernel modules, devices ----------------------------------------------------

def test_kernel_modules_cannot_be_loaded(box):
    """init_module and finit_module: refused by the profile (run), and by
    the kernel, which asks for CAP_SYS_MODULE of the host (system)."""
    assert box.probe("init-module") == EPERM
    assert box.probe("finit-module") == EPERM


@pytest.mark.parametrize("node", [("b", 8, 0), ("c", 1, 1)], ids=["sda", "dev-mem"])
def test_device_nodes_cannot_be_opened(box, node, tmpdir_root):
    """A disk (8:0) or /dev/mem (1:1): `taper run` may mknod (docker's
    rules allow "m" for every device), but the device rules refuse the
    open; in a system container mknod itself needs the host's CAP_MKNOD,
    and a node the rootfs already holds is refused by the device rules."""
    kind, major, minor = node
    if box.kind == "run":
        # On the rootfs itself (/dev/shm and --tmpfs are nodev): its own,
        # as the node stays on disk.
        box = Run(box.taper, make_busybox_rootfs(os.path.join(tmpdir_root, "rootfs")))
        add_probes(box.rootfs)
        path = f"/tmp/n{major}"
        assert box.sh(f"/probe mknod {path} {kind} {major} {minor}; /probe open-read {path}; "
                      f"/probe open-write {path}").stdout.splitlines() == [OK, EPERM, EPERM]
    else:
        assert box.probe("mknod", "/tmp/node", kind, str(major), str(minor)) == EPERM
        path = "/sda" if major == 8 else "/mem"
        assert box.probe("open-read", path) == EPERM
        assert box.probe("open-write", path) == EPERM


# --- system calls of the seccomp profile -----------------------------------------

SYSCALLS = {
    # call: (taper run, system container)
    "keyctl": (EPERM, EPERM),  # the profile, both
    "bpf": (EPERM, EPERM),  # the profile; the kernel (CAP_BPF of the host)
    "userfaultfd": (EPERM, EPERM),  # the profile, both
    # the profile; the kernel: perf_event_paranoid >= 1 and no CAP_PERFMON of the host
    "perf-cpu": (EPERM, EACCES),
}


@pytest.mark.parametrize("call", sorted(SYSCALLS))
def test_dangerous_syscalls(box, call):
    if call == "perf-cpu" and box.kind == "system":
        with open("/proc/sys/kernel/perf_event_paranoid") as f:
            if int(f.read()) < 1:
                pytest.skip("kernel.perf_event_paranoid < 1 lets anyone watch a CPU")
    expect = SYSCALLS[call][0 if box.kind == "run" else 1]
    assert box.probe(call) == expect


# --- setuid binaries ----------------------------------------------------------------

NO_CAPS = "0000000000000000"


def test_setuid_binary_gains_nothing(box):
    """no_new_privs: a setuid-root copy of the probe, run by uid 1000,
    keeps uid 1000 and no capability."""
    if box.kind == "run":
        r = box.taper("run", "--rootfs", box.rootfs, "--user", "1000:1000", "--", "/probe-suid", "ids")
        out = r.stdout.strip()
    else:
        out = box.probe("as", "1000", "1000", "/probe-suid", "ids")
    assert out == f"1000 1000 1000 {NO_CAPS}"


# --- the runtime's own processes ------------------------------------------------------

def test_runtime_exe_of_run_init(taper, rootfs):
    """CVE-2019-5736: with --init, PID 1 is a fork of the runtime. Its
    /proc/1/exe cannot be opened for writing (non-dumpable, so the ptrace
    access check fails), nor can PID 1 be ptraced; the binary is intact."""
    box = Run(taper, rootfs)
    before = sha256(TAPER)
    assert box.probe("open-write", "/proc/1/exe", flags=("--init",)) == EACCES
    assert box.probe("open-read", "/proc/1/mem", flags=("--init",)) == EACCES
    assert box.probe("ptrace", "1", flags=("--init",)) == EPERM
    # With CAP_SYS_PTRACE granted, still refused: non-dumpable asks for it
    # in the user namespace of the mm, the host's.
    assert box.probe("open-write", "/proc/1/exe",
                     flags=("--init", "--cap-add", "SYS_PTRACE")) in (EACCES, "errno 26 Text file busy")
    assert sha256(TAPER) == before


def children(pid):
    out = []
    for task in glob.glob(f"/proc/{pid}/task/*/children"):
        with open(task) as f:
            out += [int(p) for p in f.read().split()]
    return out


@pytest.fixture
def held_attach(system, tmpdir_root):
    """A `taper attach` held before its process may exec: strace stops
    the attach (SIGSTOP, injected at the exit of its second pidfd_open,
    the one of the attached process) before it sends that process the go.
    The process is then in the container's namespaces and cgroup, still
    the runtime's code, waiting. Yields its pid inside the container."""
    if not shutil.which("strace"):
        pytest.skip("strace is needed to hold an attach")
    log = os.path.join(tmpdir_root, "strace.log")
    st = subprocess.Popen(["strace", "-o", log, "-e", "trace=pidfd_open",
                           "-e", "inject=pidfd_open:signal=SIGSTOP:when=2",
                           TAPER, "--path", system.taper.store, "attach", system.name,
                           "--", "/probe", "ids"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def group_stopped():
        # strace logs this once the tracee sits in its group-stop (its
        # state "t" alone would also match each traced system call).
        with open(log) as f:
            return "--- stopped by SIGSTOP ---" in f.read() or st.poll() is not None

    try:
        assert lifecycle_util.wait_for(lambda: os.path.exists(log) and group_stopped(), timeout=30)
        assert st.poll() is None, st.communicate()
        attach = children(st.pid)[0]
        held = children(attach)
        assert len(held) == 1, held
        with open(f"/proc/{held[0]}/status") as f:
            nspid = [l for l in f if l.startswith("NSpid:")][0].split()
        assert len(nspid) == 3, nspid  # the host's pid, the container's
        # Still the runtime (the sealed copy), not yet the command.
        assert os.readlink(f"/proc/{held[0]}/exe").startswith("/memfd:taper"), held
        yield nspid[-1]
        os.kill(attach, signal.SIGCONT)
        out, err = st.communicate(timeout=60)
        # Let go, the attach finishes as usual.
        assert st.returncode == 0 and out.startswith("0 0 0 "), (out, err)
    finally:
        if st.poll() is None:
            st.kill()
            st.wait()


def test_attach_process_exe_cannot_be_overwritten(system, held_attach):
    """CVE-2019-5736 on `taper attach`: the process it puts in the
    container is non-dumpable until exec, and its exe is a sealed memfd
    copy: the container's root can neither open it for writing nor read
    its memory or fds."""
    pid = held_attach
    before = sha256(TAPER)
    assert system.probe("open-write", f"/proc/{pid}/exe") == EACCES
    assert system.probe("open-read", f"/proc/{pid}/exe") == EACCES
    assert system.probe("open-read", f"/proc/{pid}/mem") == EACCES
    assert system.probe("open-read", f"/proc/{pid}/fd/0") == EACCES
    assert system.probe("open-read", f"/proc/{pid}/environ") == EACCES
    assert sha256(TAPER) == before


def test_attach_process_cannot_be_ptraced(system, held_attach):
    """CVE-2016-9962: the container's root (CAP_SYS_PTRACE in its user
    namespace) cannot ptrace the attach process before its exec: it is
    non-dumpable, and its mm belongs to the host's user namespace."""
    assert system.probe("ptrace", held_attach) == EPERM


# --- cgroups -----------------------------------------------------------------------

def test_cgroup_escape_run(taper, rootfs):
    """`taper run` shows its own group at /sys/fs/cgroup, read-only, from
    its cgroup namespace (its own group is /): nothing above it, no write,
    and it cannot mount a hierarchy of its own."""
    box = Run(taper, rootfs)
    r = box.sh("cat /proc/self/cgroup; find /sys/fs/cgroup -maxdepth 3 -name taper | wc -l")
    lines = r.stdout.split()
    assert lines[-1] == "0" and all(l.endswith(":/") for l in lines[:-1]), r
    r = box.sh("for f in $(find /sys/fs/cgroup -name cgroup.procs); do "
               "echo 0 2>/dev/null > $f && echo WROTE $f; done; echo done")
    assert r.stdout.split() == ["done"], r
    assert box.probe("mount", "cgroup", "/tmp", "cgroup") == EPERM
    assert box.probe("mount", "cgroup2", "/tmp", "cgroup2") == EPERM


def test_cgroup_escape_system(system):
    """The container's cgroup namespace is rooted at its own group: no
    path leads to a parent (taper's tree, the host's); the controllers are
    read-only and belong to host root; a new mount of a hierarchy is
    rooted at its own group too."""
    hierarchies = system.sh("ls /sys/fs/cgroup").stdout.split()
    assert hierarchies, hierarchies
    for h in hierarchies:
        r = system.sh(f"ls -a /sys/fs/cgroup/{h}/..")
        assert r.stdout.split() == [".", ".."] + sorted(hierarchies), (h, r)
        assert "taper" not in system.sh(f"ls /sys/fs/cgroup/{h}").stdout.split()
    pid = system.init_pid()
    for h in ("memory", "pids", "devices", "freezer"):
        if h in hierarchies:
            assert system.probe("write", f"/sys/fs/cgroup/{h}/cgroup.procs", "0") == EACCES, h
            host = f"/sys/fs/cgroup/{h}/taper/{store_id(system.taper.store)}/box/cgroup.procs"
            with open(host) as f:
                assert str(pid) in f.read().split(), h
    r = system.sh("mkdir -p /mnt/cg && mount -t cgroup -o none,name=systemd cgroup /mnt/cg && "
                  "ls /mnt/cg; cat /mnt/cg/cgroup.procs | wc -l; umount /mnt/cg")
    names = r.stdout.split()
    assert "taper" not in names and "cgroup.procs" in names, r
    assert int(names[-1]) <= 6, r  # the container's few processes, not the host's


def test_release_agent_cve_2022_0492(box):
    """CVE-2022-0492: mount a v1 hierarchy, set its release_agent to a
    program of the container, run as host root when a group empties.
    `taper run` cannot mount; a system container may mount an existing
    hierarchy, but rooted at its own group, where no release_agent file
    is; a new hierarchy is refused."""
    if box.kind == "run":
        assert box.probe("mount", "cgroup", "/tmp", "cgroup", "0") == EPERM
        return
    r = box.sh("mkdir -p /mnt/a /mnt/b; mount -t cgroup -o memory cgroup /mnt/a && echo mounted; "
               "/probe write /mnt/a/release_agent /evil; "
               "/probe write /sys/fs/cgroup/systemd/release_agent /evil; "
               "/probe mount cgroup /mnt/b cgroup 0 none,name=evil; umount /mnt/a")
    assert r.stdout.splitlines() == ["mounted", ENOENT, ENOENT, EPERM], r
