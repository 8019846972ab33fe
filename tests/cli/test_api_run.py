"""The spec API (include/taper.h) as an outside program uses it:
examples/run-spec builds a spec, creates, starts and waits for a run,
through the shared library alone."""
import os
import subprocess

from lifecycle_util import cgroups_of, make_container

BUILD = os.environ.get("TAPER_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
EXAMPLE = os.path.join(BUILD, "examples", "run-spec")


def run_spec(*args):
    # It re-executes itself from a sealed copy (taper_runtime_prepare), which
    # has no $ORIGIN for the build tree's rpath to the library.
    env = dict(os.environ, LD_LIBRARY_PATH=BUILD)
    return subprocess.run([EXAMPLE, *map(str, args)], capture_output=True, text=True, timeout=60,
                          env=env)


def test_example_runs_true(busybox_rootfs):
    r = run_spec(busybox_rootfs)
    assert r.returncode == 0, r.stderr
    assert "created, pid " in r.stderr


def test_example_exit_status_and_spec(busybox_rootfs):
    # The hostname and the memory limit set through the API reach the
    # container; the command's status comes back.
    r = run_spec(busybox_rootfs, "/bin/sh", "-c",
                 'test "$(hostname)" = run-spec || exit 9; exit 7')
    assert r.returncode == 7, r.stderr


def test_example_command_not_found(busybox_rootfs):
    # Found missing at start, after a successful create.
    r = run_spec(busybox_rootfs, "/no/such/cmd")
    assert r.returncode == 127, r.stderr
    assert "created, pid " in r.stderr and "/no/such/cmd" in r.stderr


def test_example_bad_rootfs_is_named():
    r = run_spec("relative/rootfs")
    assert r.returncode == 125
    assert "rootfs 'relative/rootfs' is not an absolute path" in r.stderr


def test_stored_container_spec_runs_without_a_start(taper, busybox_rootfs):
    # The config compiles as start compiles it; the run uses the group a
    # start would, and leaves none behind.
    make_container(taper.store, "c1", busybox_rootfs, ["uts.name = from-config"])
    r = run_spec("-c", taper.store, "c1", "/bin/sh", "-c", 'test "$(hostname)" = from-config')
    assert r.returncode == 0, r.stderr
    assert cgroups_of(taper.store) == []
    r = run_spec("-c", taper.store, "nope")
    assert r.returncode == 125 and "nope" in r.stderr
