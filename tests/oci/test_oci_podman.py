"""podman 4.3 (through conmon) with taper-oci as its runtime: runc's
command line as a real caller drives it. Each test has a podman store of
its own (--root, --runroot, --tmpdir under its temporary directory), an
image imported from the busybox rootfs, no network, and a cgroup parent
inside taper's subtree under an id of the test's, removed at teardown.
Skipped when podman is not installed."""
import os
import shutil
import subprocess
import tarfile

import pytest

from conftest import RUNC, TAPER_OCI, remove_cgroups, store_id

pytestmark = pytest.mark.skipif(not shutil.which("podman"), reason="podman not installed")

# podman sets RLIMIT_NOFILE/NPROC above what this host lets a process
# without CAP_SYS_RESOURCE raise (HOST.md).
ULIMITS = ["--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"]


class Podman:
    def __init__(self, base, runtime, parent):
        self.base, self.runtime, self.parent = base, runtime, parent

    def __call__(self, *args, timeout=120, input=None):
        argv = ["podman", "--root", f"{self.base}/root", "--runroot", f"{self.base}/runroot",
                "--tmpdir", f"{self.base}/tmp", "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs",
                "--events-backend", "file", "--runtime", self.runtime] + list(args)
        env = dict(os.environ, CONTAINERS_CONF="/dev/null", CONTAINERS_REGISTRIES_CONF="/dev/null")
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input, env=env)

    def ok(self, *args, **kw):
        r = self(*args, **kw)
        assert r.returncode == 0, (self.runtime, args, r.stdout, r.stderr)
        return r

    def run_args(self):
        return ULIMITS + ["--network", "none", "--cgroup-parent", self.parent]


@pytest.fixture(params=["taper-oci"] + (["runc"] if RUNC else []))
def podman(request, tmpdir_root, busybox_rootfs):  # noqa: F811
    base = os.path.join(tmpdir_root, "podman")
    os.makedirs(base)
    parent = f"/taper/{store_id(base)}/podman"
    pm = Podman(base, TAPER_OCI if request.param == "taper-oci" else RUNC, parent)
    tar = os.path.join(base, "rootfs.tar")
    with tarfile.open(tar, "w") as t:
        t.add(busybox_rootfs, arcname=".")
    pm.ok("import", tar, "localhost/bb:latest")
    yield pm
    pm("rm", "--all", "--force", "--time", "0")
    remove_cgroups(store_id(base))


def test_run_rm_and_exit_status(podman):
    r = podman.ok("run", "--rm", *podman.run_args(), "localhost/bb", "sh", "-c", "echo hello; id -u")
    assert r.stdout == "hello\n0\n"
    r = podman("run", "--rm", *podman.run_args(), "localhost/bb", "sh", "-c", "exit 42")
    assert r.returncode == 42, r.stderr


def test_detached_exec_pause_stop_rm(podman):
    podman.ok("run", "-d", "--name", "d1", *podman.run_args(), "localhost/bb", "sleep", "1000")
    assert podman.ok("inspect", "--format", "{{.State.Status}}", "d1").stdout.strip() == "running"
    r = podman.ok("exec", "d1", "sh", "-c", "echo in-$(hostname); ps -o pid,args")
    assert r.stdout.startswith("in-")
    assert "sleep 1000" in r.stdout
    podman.ok("pause", "d1")
    assert podman.ok("inspect", "--format", "{{.State.Status}}", "d1").stdout.strip() == "paused"
    podman.ok("unpause", "d1")
    podman.ok("stop", "--time", "1", "d1")
    assert podman.ok("inspect", "--format", "{{.State.Status}}", "d1").stdout.strip() == "exited"
    podman.ok("rm", "d1")


def test_tty_and_seccomp(podman):
    r = podman.ok("run", "--rm", "-t", *podman.run_args(), "localhost/bb", "sh", "-c",
                  "tty >/dev/null && echo is-a-tty; grep Seccomp: /proc/self/status", input="")
    assert "is-a-tty" in r.stdout
    # podman's default profile is filtering.
    assert "Seccomp:\t2" in r.stdout


def test_kill_and_wait(podman):
    podman.ok("run", "-d", "--name", "k1", *podman.run_args(), "localhost/bb", "sleep", "1000")
    podman.ok("kill", "--signal", "KILL", "k1")
    assert podman.ok("wait", "k1").stdout.strip() == "137"
    podman.ok("rm", "k1")
