"""`taper run`: isolation, limits, errors and cleanup, seen from outside.

Each test runs the real binary as root against a busybox rootfs; a static
probe (tests/probe/probe.c) is copied in where busybox cannot show a
behaviour (seccomp, fork limits, fds, /proc/1/exe).
"""
import glob
import hashlib
import os
import pty
import select
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import TAPER, make_busybox_rootfs

BUILD = os.environ.get("TAPER_BUILD") or os.path.dirname(TAPER)
PROBE = os.path.join(BUILD, "tests", "probe", "probe")
DEFAULT_CAPS = "00000000a80425fb"


@pytest.fixture(scope="module")
def rootfs():
    """A busybox rootfs with the probe at /probe, shared read-mostly."""
    d = tempfile.mkdtemp(prefix="taper-run-rootfs-")
    os.chmod(d, 0o755)  # other users than root run in it too
    make_busybox_rootfs(d)
    shutil.copy2(PROBE, os.path.join(d, "probe"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def run(taper, rootfs, *args, **kw):
    return taper("run", "--rootfs", rootfs, *args, **kw)


@pytest.fixture(autouse=True)
def remove_store_cgroups(taper):
    """Each test has its own store, whose "taper/<store-id>" parent group
    taper removes with its last group, unless the test killed taper (or
    its run) first: remove that empty parent afterwards."""
    yield
    for d in glob.glob(f"/sys/fs/cgroup/*/taper/{store_id(taper.store)}/"):
        try:
            os.rmdir(d)
        except OSError:
            pass


def host_mounts():
    with open("/proc/self/mountinfo") as f:
        return f.read().splitlines()


def mounts_mentioning(*paths):
    return [l for l in host_mounts() if any(p in l for p in paths)]


def store_id(path):
    """The store's id: FNV-1a-64 of its canonical path, as taper computes it."""
    h = 0xcbf29ce484222325
    for b in os.path.realpath(path).encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def taper_cgroups(taper):
    """Leftover groups of this test's `taper run`s, in any hierarchy. Each
    test has its own store, so other tests running meanwhile never count."""
    return glob.glob(f"/sys/fs/cgroup/*/taper/{store_id(taper.store)}/*/")


def processes_rooted_in(path):
    found = []
    for p in glob.glob("/proc/[0-9]*"):
        try:
            if os.readlink(p + "/root").startswith(path):
                found.append(p)
        except OSError:
            pass
    return found


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_exit_status_is_the_commands(taper, rootfs):
    assert run(taper, rootfs, "--", "/bin/true").returncode == 0
    r = run(taper, rootfs, "--", "sh", "-c", "echo out; echo err >&2; exit 3")
    assert r.returncode == 3, r
    assert r.stdout == "out\n"
    assert r.stderr == "err\n"


def test_killed_by_signal_is_128_plus_n(taper, rootfs):
    # PID 1 ignores even SIGKILL from inside its namespace, so the command
    # runs under --init as PID 2.
    r = run(taper, rootfs, "--init", "--", "sh", "-c", "kill -9 $$")
    assert r.returncode == 137, r


def test_signal_to_taper_is_forwarded(taper, rootfs):
    proc = subprocess.Popen([TAPER, "run", "--rootfs", rootfs, "--init", "--", "sleep", "30"])
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 128 + signal.SIGTERM


def test_hostname_is_isolated(taper, rootfs):
    host = os.uname().nodename
    r = run(taper, rootfs, "--hostname", "box1", "--", "hostname")
    assert r.stdout == "box1\n", r
    # Even with the capability to change it, the change stays inside.
    r = run(taper, rootfs, "--hostname", "box1", "--cap-add", "SYS_ADMIN", "--", "sh", "-c",
            "hostname other; hostname")
    assert r.stdout == "other\n", r
    assert os.uname().nodename == host


def test_only_own_processes_with_cmd_as_pid_1(taper, rootfs):
    r = run(taper, rootfs, "--", "sh", "-c", "echo $$; ls /proc | grep -E '^[0-9]+$' | sort -n")
    assert r.returncode == 0, r
    lines = r.stdout.split()
    assert lines[0] == "1"
    # sh itself, and the ls and grep of the pipeline (sort may read later).
    assert set(lines[1:]) <= {"1", "2", "3", "4", "5"}, r.stdout


def test_host_files_outside_rootfs_unreachable(taper, rootfs, tmpdir_root):
    secret = os.path.join(tmpdir_root, "secret")
    with open(secret, "w") as f:
        f.write("host only\n")
    r = run(taper, rootfs, "--", "sh", "-c", f"cat {secret} || cat /../..{secret}; ls /")
    assert "host only" not in r.stdout
    assert "probe" in r.stdout.split()


def test_proc_sys_is_read_only(taper, rootfs):
    r = run(taper, rootfs, "--", "sh", "-c",
            "grep ' /proc/sys ' /proc/self/mounts; echo 1 > /proc/sys/kernel/ns_last_pid && echo WROTE")
    assert "WROTE" not in r.stdout
    assert " ro," in r.stdout, r


def test_masked_paths(taper, rootfs):
    masked = [p for p in ("/proc/keys", "/proc/timer_list", "/proc/sched_debug") if os.path.exists(p)]
    assert masked
    r = run(taper, rootfs, "--", "sh", "-c",
            " ".join(f"wc -c < {p};" for p in masked) + " ls /sys/firmware | wc -l")
    assert r.stdout.split() == ["0"] * (len(masked) + 1), r


def test_mount_is_denied(taper, rootfs):
    r = run(taper, rootfs, "--", "sh", "-c", "mount -t tmpfs none /tmp && echo MOUNTED")
    assert "MOUNTED" not in r.stdout
    assert r.returncode != 0


def test_default_capabilities(taper, rootfs):
    r = run(taper, rootfs, "--", "grep", "-E", "^Cap(Eff|Bnd)", "/proc/self/status")
    assert r.returncode == 0, r
    assert r.stdout.split() == ["CapEff:", DEFAULT_CAPS, "CapBnd:", DEFAULT_CAPS]


def test_cap_drop_and_non_root_user(taper, rootfs):
    r = run(taper, rootfs, "--cap-drop", "ALL", "--", "grep", "^CapEff", "/proc/self/status")
    assert r.stdout.split() == ["CapEff:", "0000000000000000"], r
    r = run(taper, rootfs, "--user", "1000:1000", "--", "sh", "-c", "id; grep ^CapEff /proc/self/status")
    assert "uid=1000 gid=1000" in r.stdout, r
    assert "0000000000000000" in r.stdout


def host_bounding_set():
    with open("/proc/self/status") as f:
        return int(next(l for l in f if l.startswith("CapBnd:")).split()[1], 16)


def test_cap_add_all_is_what_the_host_can_give(taper, rootfs):
    """ALL is every capability the host's bounding set holds (this host's
    lacks CAP_SYS_RESOURCE): the others are left out with one warning."""
    host = host_bounding_set()
    with open("/proc/sys/kernel/cap_last_cap") as f:
        every = (1 << (int(f.read()) + 1)) - 1
    r = run(taper, rootfs, "--cap-add", "ALL", "--", "grep", "^CapEff", "/proc/self/status")
    assert r.returncode == 0, r
    assert int(r.stdout.split()[1], 16) == every & host, r
    warnings = [l for l in r.stderr.splitlines() if "warning" in l]
    if every & ~host:
        assert len(warnings) == 1, r
        assert warnings[0].startswith("taper: run: warning: --cap-add ALL: the host's bounding set "
                                      "lacks CAP_"), r
    else:
        assert warnings == [], r
    if not host & (1 << 24):
        # Asked for by name, it is refused in one line, before anything runs.
        r = run(taper, rootfs, "--cap-add", "SYS_RESOURCE", "--", "true")
        assert r.returncode == 125
        assert r.stderr == ("taper: run: --cap-add: CAP_SYS_RESOURCE is not in this host's "
                            "bounding set: no process here can have it\n"), r


def test_keyctl_denied_by_seccomp(taper, rootfs):
    r = run(taper, rootfs, "--", "/probe", "keyctl")
    assert r.stdout.strip() == "errno 1 Operation not permitted", r
    r = run(taper, rootfs, "--seccomp", "unconfined", "--", "/probe", "keyctl")
    assert "Operation not permitted" not in r.stdout, r


def probe_lines(taper, rootfs, calls, *flags):
    script = "; ".join("/probe " + c for c in calls)
    r = run(taper, rootfs, *flags, "--", "sh", "-c", script)
    return r.stdout.splitlines()


EPERM = "errno 1 Operation not permitted"


def test_seccomp_argument_rules_in_a_container(taper, rootfs):
    # The default profile's argument rules, as the kernel runs the
    # generated program.
    calls = ["personality ffffffff", "personality 6", "socket 1", "socket 40",
             "clone 0", "clone 10000000", "clone3"]
    assert probe_lines(taper, rootfs, calls) == [
        "ok", EPERM,  # the query; PER_BSD is not a harmless persona
        "ok", EPERM,  # AF_UNIX; AF_VSOCK
        "ok", EPERM,  # plain fork; CLONE_NEWUSER without CAP_SYS_ADMIN
        "errno 38 Function not implemented",  # clone3 reports ENOSYS
    ]
    admin = probe_lines(taper, rootfs, ["clone 10000000", "clone3"], "--cap-add", "SYS_ADMIN")
    assert admin == ["ok", "ok"], admin


def int80_unavailable():
    """Why the host cannot run the x86 ABI (int 0x80), or None when it can.
    A kernel without IA32 emulation (CONFIG_IA32_EMULATION=n, or
    ia32_emulation=0 on the command line) kills the caller with SIGSEGV."""
    p = subprocess.run([PROBE, "int80", "20"], capture_output=True, text=True)
    if p.returncode < 0:
        return (f"the host cannot run int 0x80: the probe dies of "
                f"{signal.Signals(-p.returncode).name} outside any container "
                "(no IA32 emulation in this kernel)")
    if p.stdout.strip() != "ok":
        return f"the host cannot run int 0x80: the probe says {p.stdout.strip()!r}"
    return None


def test_seccomp_x86_abi_in_a_container(taper, rootfs):
    # The profile covers the x86 (int 0x80) ABI too: its own syscall
    # numbers and argument rules, where the host runs that ABI at all.
    why = int80_unavailable()
    if why:
        pytest.skip(why)
    calls = ["int80 20", "int80 288", "int80 136"]
    assert probe_lines(taper, rootfs, calls) == [
        "ok", EPERM, "ok",  # x86 getpid; x86 keyctl; x86 personality(PER_LINUX)
    ]


def test_only_stdio_fds_reach_the_container(taper, rootfs):
    extra = os.open("/dev/null", os.O_RDONLY)  # inheritable in the taper process
    try:
        r = subprocess.run([TAPER, "run", "--rootfs", rootfs, "--", "/probe", "fds"],
                           capture_output=True, text=True, pass_fds=(extra,))
    finally:
        os.close(extra)
    assert r.stdout.split() == ["0", "1", "2"], r
    r = run(taper, rootfs, "--", "ls", "/proc/self/fd")
    assert r.stdout.split() == ["0", "1", "2", "3"], r


def test_host_cwd_does_not_leak(taper, rootfs):
    r = run(taper, rootfs, "--cwd", "/tmp", "--", "sh", "-c", "pwd; readlink /proc/self/cwd")
    assert r.stdout.split() == ["/tmp", "/tmp"], r


def test_env_and_net_none(taper, rootfs):
    r = run(taper, rootfs, "-e", "FOO=bar", "--", "sh", "-c", "echo $FOO; ls /sys/class/net; cat /sys/class/net/lo/flags")
    assert r.stdout.split() == ["bar", "lo", "0x9"], r


def test_tty_under_a_pty(rootfs):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(TAPER, [TAPER, "run", "-t", "-i", "--rootfs", rootfs, "--", "sh", "-c",
                         "tty; echo TERM=$TERM; exit 5"])
    out = b""
    deadline = time.time() + 20
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 5, out
    assert b"/dev/console" in out
    assert b"TERM=xterm" in out


@pytest.mark.parametrize("limit,shown", [("64M", "64MiB"), ("300k", "300KiB"), ("1500k", "1.5MiB")])
def test_memory_hog_is_oom_killed(taper, rootfs, limit, shown):
    r = run(taper, rootfs, "--memory", limit, "--", "dd", "if=/dev/zero", "of=/dev/null", "bs=256M",
            "count=1")
    assert r.returncode == 137, r
    # Sizes as taper prints them everywhere: exact, never "0.3M" for 300k.
    assert f"container killed by the OOM killer (memory limit {shown})" in r.stderr
    assert taper_cgroups(taper) == []


def test_fork_bomb_stops_at_pids_limit(taper, rootfs):
    r = run(taper, rootfs, "--pids-limit", "10", "--", "/probe", "fork", "100")
    assert r.returncode == 0, r
    forked = int(r.stdout.split()[1])
    assert 1 <= forked < 10, r
    assert taper_cgroups(taper) == []


def test_userns_maps_root_to_an_unprivileged_range(taper, tmpdir_root):
    os.chmod(tmpdir_root, 0o755)  # root of the namespace is no root on the host
    rfs = make_busybox_rootfs(os.path.join(tmpdir_root, "userns-rootfs"))
    for dirpath, dirnames, filenames in os.walk(rfs):
        for n in [dirpath] + [os.path.join(dirpath, x) for x in dirnames + filenames]:
            os.lchown(n, 100000, 100000)
    r = run(taper, rfs, "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536", "--",
            "sh", "-c", "cat /proc/self/uid_map; id -u; touch /tmp/x && echo TOUCHED")
    assert r.returncode == 0, r
    assert r.stdout.split() == ["0", "100000", "65536", "0", "TOUCHED"]
    assert os.stat(os.path.join(rfs, "tmp", "x")).st_uid == 100000


def test_userns_default_range(taper, tmpdir_root):
    os.chmod(tmpdir_root, 0o755)
    rfs = make_busybox_rootfs(os.path.join(tmpdir_root, "userns-default"))
    base, count = 100000, 65536
    try:
        with open("/etc/subuid") as f:
            for line in f:
                name, b, c = line.strip().split(":")
                if name in ("root", "0"):
                    base, count = int(b), int(c)
                    break
    except FileNotFoundError:
        pass
    for dirpath, dirnames, filenames in os.walk(rfs):
        for n in [dirpath] + [os.path.join(dirpath, x) for x in dirnames + filenames]:
            os.lchown(n, base, base)
    r = run(taper, rfs, "--userns", "--net", "host", "--", "sh", "-c",
            "cat /proc/self/uid_map; ls /sys/class/net | grep -c .")
    assert r.returncode == 0, r
    out = r.stdout.split()
    assert out[:3] == ["0", str(base), str(count)], r
    assert int(out[3]) >= 1


def test_net_host_shares_the_hosts_devices(taper, rootfs):
    # Other tests may add host links meanwhile: compare only what is stable.
    host = set(os.listdir("/sys/class/net")) - {"lo"}
    r = run(taper, rootfs, "--net", "host", "--", "ls", "/sys/class/net")
    seen = set(r.stdout.split())
    assert "lo" in seen and host & seen, r


def test_cpu_limit_runs_and_cleans_up(taper, rootfs):
    r = run(taper, rootfs, "--cpus", "0.5", "--memory", "32M", "--pids-limit", "20", "--", "sh", "-c",
            "cat /proc/self/cgroup")
    assert r.returncode == 0, r
    # Seen from inside, its own group is the root of its cgroup namespace.
    assert "memory:/\n" in r.stdout
    assert taper_cgroups(taper) == []


def test_userns_shows_a_root_owned_rootfs_through_an_idmapped_mount(taper, tmpdir_root):
    """The README's `--userns` line on a rootfs owned by host root, as an
    unpacked image is: shown idmapped, as a system container's is; what the
    container writes is host root's on disk, nothing is chowned."""
    os.chmod(tmpdir_root, 0o755)
    rfs = make_busybox_rootfs(os.path.join(tmpdir_root, "rootowned"))
    r = run(taper, rfs, "--userns", "--", "sh", "-c",
            "cat /proc/self/uid_map; stat -c %u:%g /bin/busybox; id -u; touch /new && echo TOUCHED")
    assert r.returncode == 0, r
    out = r.stdout.split()
    assert out[0] == "0" and int(out[1]) != 0, r  # root is an unprivileged host id
    assert out[3:] == ["0:0", "0", "TOUCHED"], r
    st = os.stat(os.path.join(rfs, "new"))
    assert (st.st_uid, st.st_gid) == (0, 0)
    assert os.stat(os.path.join(rfs, "bin", "busybox")).st_uid == 0
    assert taper_cgroups(taper) == []


def test_a_rootfs_outside_the_map_without_idmap_is_refused_naming_the_range(sys_taper):
    t = sys_taper
    t.ok("create", "c1", "-t", "busybox")
    t.ok("config", "c1", "rootfs.idmap", "false")
    host_root = t.ok("config", "c1", "idmap").stdout.split()[2]
    r = t("start", "c1")
    assert r.returncode == 1, r
    assert f"is owned by host uid 0, outside the uid map (root is host uid {host_root}): show " \
        "it through an idmapped mount, or chown the tree into the range" in r.stderr, r


def test_run_shows_its_own_cgroup_read_only(taper, rootfs):
    """As docker, podman and crun: /sys/fs/cgroup is the container's own
    group (the root of its cgroup namespace), read-only."""
    r = run(taper, rootfs, "--memory", "32M", "--", "sh", "-c",
            "cat /proc/self/cgroup; ls /sys/fs/cgroup; "
            "mkdir /sys/fs/cgroup/x 2>&1 || mkdir /sys/fs/cgroup/unified/x 2>&1 || echo REFUSED")
    assert r.returncode == 0, r
    listed = set(r.stdout.split())
    assert "REFUSED" in listed, r
    mode = open("/proc/self/mountinfo").read()
    if " - cgroup2 " in mode and " - cgroup " not in mode:
        assert "cgroup.procs" in listed, r  # a v2 host: cgroup2 at /sys/fs/cgroup
    else:
        # Hybrid or v1: the hierarchies the container has a group in (its
        # memory limit puts it in memory), each rooted at its own group.
        assert "memory" in listed, r
    # Nothing above its own group is visible.
    r = run(taper, rootfs, "--memory", "32M", "--", "sh", "-c",
            "find /sys/fs/cgroup -maxdepth 2 -name taper | grep -c . || true")
    assert r.stdout.strip() == "0", r
    r = run(taper, rootfs, "--", "sh", "-c", "ls /sys/fs/cgroup | grep -c .")
    assert int(r.stdout) >= 1, r
    assert taper_cgroups(taper) == []


def test_malicious_symlinks_are_refused_or_contained(taper, tmpdir_root):
    hostdir = os.path.join(tmpdir_root, "hostdir")
    os.mkdir(hostdir)
    etc_hash = sha256("/etc/passwd")
    before = mounts_mentioning(hostdir, " /etc ", tmpdir_root)

    # /proc -> a host directory: refused, nothing mounted there.
    rfs = make_busybox_rootfs(os.path.join(tmpdir_root, "evil1"))
    os.rmdir(os.path.join(rfs, "proc"))
    os.symlink(hostdir, os.path.join(rfs, "proc"))
    r = run(taper, rfs, "--", "true")
    assert r.returncode == 125
    assert "refusing mount target /proc" in r.stderr, r

    # /dev -> /: refused.
    rfs = make_busybox_rootfs(os.path.join(tmpdir_root, "evil2"))
    os.rmdir(os.path.join(rfs, "dev"))
    os.symlink("/", os.path.join(rfs, "dev"))
    r = run(taper, rfs, "--", "true")
    assert r.returncode == 125
    assert "refusing mount target /dev" in r.stderr, r

    # A bind target that is a symlink to /etc: resolved inside the rootfs.
    rfs = make_busybox_rootfs(os.path.join(tmpdir_root, "evil3"))
    os.symlink("/etc", os.path.join(rfs, "data"))
    src = os.path.join(tmpdir_root, "src")
    os.mkdir(src)
    with open(os.path.join(src, "marker"), "w") as f:
        f.write("bound\n")
    r = run(taper, rfs, "--bind", f"{src}:/data", "--", "cat", "/etc/marker")
    assert r.returncode == 0, r
    assert r.stdout == "bound\n"

    assert not os.path.exists("/etc/marker")
    assert os.listdir(hostdir) == []
    assert sha256("/etc/passwd") == etc_hash
    assert mounts_mentioning(hostdir, " /etc ", tmpdir_root) == before


@pytest.mark.parametrize("args,status,message", [
    (["--rootfs", "/nonexistent-rootfs", "--", "true"], 125, "rootfs /nonexistent-rootfs: No such file"),
    (["--", "no-such-command"], 127, "exec no-such-command: No such file or directory"),
    (["--", "/etc/passwd"], 126, "exec /etc/passwd: Permission denied"),
    (["--frobnicate", "--", "true"], 125, 'unknown flag "--frobnicate"'),
    (["--memory", "lots", "--", "true"], 125, '--memory: invalid size "lots" (e.g. 256M, 1G, or max)'),
    (["--memory", "64M", "--", "no-such-command"], 127, "exec no-such-command"),
    (["--memory", "64M", "--bind", "/nonexistent-src:/x", "--", "true"], 125,
     "bind source /nonexistent-src: No such file"),
    (["--memory", "64M", "--cwd", "/nonexistent", "--", "true"], 125, "chdir to /nonexistent"),
])
def test_errors_leave_nothing_behind(taper, rootfs, args, status, message):
    before = mounts_mentioning(rootfs)
    if args[0] != "--rootfs":
        args = ["--rootfs", rootfs] + args
    r = taper("run", *args)
    assert r.returncode == status, r
    assert r.stderr.startswith("taper: run: ")
    assert message in r.stderr, r
    # One line, and the usage line after a usage error (a flag, the command).
    assert r.stderr.count("\n") == 1 or (r.stderr.count("\n") == 2 and
                                         r.stderr.splitlines()[1].startswith("Usage: taper run "))
    assert mounts_mentioning(rootfs) == before
    assert taper_cgroups(taper) == []
    assert processes_rooted_in(rootfs) == []


def test_mount_options(taper, rootfs, tmpdir_root):
    src = os.path.join(tmpdir_root, "share")
    os.mkdir(src)
    r = run(taper, rootfs, "--read-only", "--tmpfs", "/scratch", "--bind", f"{src}:/share:ro",
            "--bind", f"{src}:/rw", "--", "sh", "-c",
            "touch /x || echo RO-ROOT; touch /scratch/y && echo TMPFS; "
            "touch /share/z || echo RO-BIND; touch /rw/w && echo RW-BIND")
    assert r.stdout.split() == ["RO-ROOT", "TMPFS", "RO-BIND", "RW-BIND"], r
    assert os.listdir(src) == ["w"]


def test_dev_is_minimal(taper, rootfs):
    r = run(taper, rootfs, "--", "sh", "-c", "ls /dev; echo x > /dev/null && head -c 4 /dev/zero | wc -c")
    names = r.stdout.split()
    for n in ("null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm", "mqueue", "fd"):
        assert n in names, r
    assert "sda" not in names and "kmsg" not in names
    assert names[-1] == "4"


def test_runtime_exe_cannot_be_overwritten(taper, rootfs):
    before = sha256(TAPER)
    r = run(taper, rootfs, "--init", "--", "/probe", "open-write", "/proc/1/exe")
    assert r.returncode == 0, r
    assert r.stdout.startswith("errno "), r
    r = run(taper, rootfs, "--init", "--", "sh", "-c", "echo x >> /proc/1/exe && echo WROTE")
    assert "WROTE" not in r.stdout
    assert sha256(TAPER) == before


def test_init_does_not_show_the_host_command_line(taper, rootfs):
    """--init is a fork of the runtime: /proc/1/cmdline, readable by every
    process inside, must not carry the host's taper command line, not even
    to a command that reads it first thing (run a few times: it is a race
    between init hiding it and the command starting)."""
    for _ in range(8):
        r = run(taper, rootfs, "--init", "--hostname", "secret-flag-value", "--",
                "/bin/cat", "/proc/1/cmdline")
        assert r.returncode == 0, r
        assert r.stdout.replace("\0", " ").split() == ["init"], r
        assert "secret-flag-value" not in r.stdout and "taper" not in r.stdout


def test_the_hosts_own_root_as_rootfs(taper):
    """--rootfs / works (a bind of "/" onto itself cannot be reached by the
    path "/", so the rootfs is a detached clone attached over it); the
    container still gets its own /proc and /dev, and the host's mounts
    are left as they were."""
    before = host_mounts()
    r = taper("run", "--rootfs", "/", "--", "sh", "-c",
              "cat /proc/1/comm; ls /dev/pts; test -d /etc && echo ETC")
    assert r.returncode == 0, r
    assert r.stdout.split() == ["sh", "ptmx", "ETC"], r
    assert host_mounts() == before
