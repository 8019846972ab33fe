"""What a new user meets first: reads that make nothing, and clear refusals
instead of hangs. Every container here comes from `taper create -t busybox`,
as a user makes one."""
import os
import subprocess

from conftest import TAPER

BUILD = os.environ.get("TAPER_BUILD") or os.path.dirname(TAPER)


def test_reads_never_make_a_store(taper, tmpdir_root):
    missing = os.path.join(tmpdir_root, "nostore")
    for argv in (["ls"], ["ls", "-q"], ["info", "c1"], ["stop", "c1"], ["config", "c1"],
                 ["network", "ls"], ["stats"]):
        r = taper("--path", missing, *argv, store=False)
        assert r.returncode == 1, (argv, r)
        assert r.stderr == f"taper: {argv[0]}: no store at {missing} (taper create makes one)\n" \
            or "no store at " + missing in r.stderr, (argv, r)
        assert not os.path.exists(missing), argv
    r = taper("ls", store=False, env={"TAPER_PATH": missing})
    assert r.returncode == 1 and "no store at" in r.stderr
    assert not os.path.exists(missing)
    # The library's own example, a plain reader of the store.
    r = subprocess.run([os.path.join(BUILD, "examples", "list-containers"), missing],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "no store at" in r.stderr, r
    assert not os.path.exists(missing)
    # Nothing to start at boot on a host with no store yet.
    taper.ok("--path", missing, "autostart", store=False)
    assert not os.path.exists(missing)
    # The first create makes it.
    taper.ok("--path", missing, "create", "c1", "-t", "busybox", store=False)
    assert taper.ok("--path", missing, "ls", "-q", store=False).stdout == "c1\n"


def test_attach_to_a_frozen_container_is_refused_at_once(sys_taper):
    t = sys_taper
    t.ok("create", "c1", "-t", "busybox")
    t.ok("start", "c1")
    t.ok("freeze", "c1")
    r = t("attach", "c1", "--", "/bin/true", timeout=30)
    assert r.returncode == 125, r  # as when the container cannot be entered
    assert "FROZEN" in r.stderr and "taper unfreeze c1" in r.stderr, r
    t.ok("unfreeze", "c1")
    assert t("attach", "c1", "--", "/bin/true", timeout=30).returncode == 0
