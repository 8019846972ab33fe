"""The command line itself: verbs, global options, errors."""


def test_version(taper):
    r = taper.ok("version")
    assert r.stdout.startswith("taper ")
    assert taper.ok("--version", store=False).stdout == r.stdout


def test_help_lists_verbs(taper):
    r = taper.ok("--help")
    assert "Verbs:" in r.stdout
    assert "version" in r.stdout


def test_unknown_verb_is_an_error(taper):
    r = taper("frobnicate")
    assert r.returncode == 2
    assert "unknown verb 'frobnicate'" in r.stderr
    assert r.stderr.count("\n") == 1


def test_no_verb_is_usage_error(taper):
    r = taper()
    assert r.returncode == 2
    assert "Usage:" in r.stderr


def test_binary_does_not_link_heavy_libraries():
    """libarchive and libnftables are bound on first use (src/util/lazy.h):
    linking them costs milliseconds of loading on every container start."""
    import subprocess
    from conftest import TAPER
    out = subprocess.run(["ldd", TAPER], capture_output=True, text=True, check=True).stdout
    assert "libarchive" not in out
    assert "libnftables" not in out
