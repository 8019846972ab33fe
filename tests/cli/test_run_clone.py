"""`taper run`: which clone starts the container, and that each works.

When the parent has nothing to do before the child's exec, the child
shares the parent's memory until its exec (CLONE_VM|CLONE_VFORK, the
parent asleep); a child the parent must still talk to, or one that never
execs (--init), must be fork-like, or the parent would wait for it
forever. `taper --debug` names the clone it takes. The sanitizer build,
and any architecture but x86_64, always take the fork-like one (see
src/run/spawn.c).
"""
import os
import platform

import pytest

from conftest import TAPER, make_busybox_rootfs
from test_run import remove_store_cgroups  # noqa: F401 (autouse fixture)

SHARED = "clone: the child shares our memory until its exec"
FORKLIKE = "clone: fork-like"
# Long enough for a loaded 2-core host; a wrong clone hangs for ever.
HANG = 60


def shared_clone_built():
    with open(TAPER, "rb") as f:
        return platform.machine() == "x86_64" and b"libasan" not in f.read()


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("clone-rootfs"))
    os.chmod(d, 0o755)
    return make_busybox_rootfs(d)


def run(taper, rootfs, *args):
    return taper("--debug", "run", "--rootfs", rootfs, *args, timeout=HANG)


def test_plain_run_shares_memory_until_exec(taper, rootfs):
    r = run(taper, rootfs, "--", "sh", "-c", "echo out; exit 3")
    assert r.returncode == 3, r
    assert r.stdout == "out\n"
    if shared_clone_built():
        assert SHARED in r.stderr and FORKLIKE not in r.stderr, r
    else:
        assert FORKLIKE in r.stderr, r


def test_exec_failure_reaches_the_parent(taper, rootfs):
    r = run(taper, rootfs, "--", "no-such-command")
    assert r.returncode == 127, r
    assert "exec no-such-command: No such file or directory" in r.stderr, r
    r = run(taper, rootfs, "--cwd", "/no/such/dir", "--", "true")
    assert r.returncode == 125, r
    assert "chdir to /no/such/dir: No such file or directory" in r.stderr, r


def test_command_starts_with_no_signal_blocked(taper, rootfs):
    # The parent blocks every signal across the clone; the child unblocks.
    r = run(taper, rootfs, "--", "cat", "/proc/self/status")
    assert r.returncode == 0, r
    fields = dict(l.split(":\t", 1) for l in r.stdout.splitlines() if ":\t" in l)
    assert int(fields["SigBlk"], 16) == 0, r


def test_init_is_forklike_and_does_not_hang(taper, rootfs):
    # Our init stays after the command's exec: a parent asleep until its
    # exec would never wake.
    r = run(taper, rootfs, "--init", "--", "sh", "-c", "exit 4")
    assert r.returncode == 4, r
    assert FORKLIKE in r.stderr and SHARED not in r.stderr, r


def test_userns_is_forklike_and_does_not_hang(taper, tmpdir_root):
    # The child waits for its id maps, which the parent writes after the
    # clone: the parent must not sleep until the child's exec.
    os.chmod(tmpdir_root, 0o755)
    rfs = make_busybox_rootfs(os.path.join(tmpdir_root, "userns-rootfs"))
    for dirpath, dirnames, filenames in os.walk(rfs):
        for n in [dirpath] + [os.path.join(dirpath, x) for x in dirnames + filenames]:
            os.lchown(n, 100000, 100000)
    r = run(taper, rfs, "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536", "--",
            "id", "-u")
    assert r.returncode == 0, r
    assert r.stdout == "0\n", r
    assert FORKLIKE in r.stderr and SHARED not in r.stderr, r
