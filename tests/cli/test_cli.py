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


def test_unknown_verb_suggests_the_nearest(taper):
    for typo, verb in (("strat", "start"), ("stpo", "stop"), ("clon", "clone"), ("lst", "ls")):
        r = taper(typo)
        assert r.returncode == 2
        assert r.stderr == f"taper: unknown verb '{typo}' (did you mean '{verb}'?)\n", r
    assert "did you mean" not in taper("x").stderr


def test_help_verb(taper):
    r = taper.ok("help")
    assert r.stdout == taper.ok("--help").stdout and r.stderr == ""
    r = taper.ok("help", "stop")
    assert r.stdout.startswith("Usage: taper stop NAME") and r.stderr == ""
    r = taper("help", "strat")
    assert r.returncode == 2 and "did you mean 'start'" in r.stderr


def test_every_verb_help_goes_to_stdout_and_exits_0(taper):
    out = taper.ok("help").stdout
    verbs = [line.split()[0] for line in out.split("Verbs:")[1].splitlines()
             if line.startswith("  ")]
    assert len(verbs) > 15
    for verb in verbs:
        if verb in ("help", "version"):
            continue
        r = taper(verb, "--help")
        assert r.returncode == 0 and r.stderr == "", (verb, r)
        assert r.stdout.startswith("Usage: taper " + verb), (verb, r)
        assert r.stdout.count("Usage:") == 1, (verb, r)


def test_ls_quiet_prints_names_only(taper):
    assert taper.ok("ls", "-q").stdout == ""
    taper.ok("create", "b1", "-t", "busybox")
    taper.ok("create", "a1", "-t", "busybox")
    assert taper.ok("ls", "-q").stdout == "a1\nb1\n"
    assert taper.ok("ls", "--quiet", "--stopped").stdout == "a1\nb1\n"
    assert taper.ok("ls", "-q", "--running").stdout == ""


def test_no_verb_is_usage_error(taper):
    r = taper()
    assert r.returncode == 2
    assert "Usage:" in r.stderr


def test_binary_does_not_link_heavy_libraries():
    """libarchive, libnftables and libmicrohttpd (with GnuTLS) are bound on
    first use (src/util/lazy.h): linking them costs milliseconds of loading
    on every container start."""
    import subprocess
    from conftest import TAPER
    out = subprocess.run(["ldd", TAPER], capture_output=True, text=True, check=True).stdout
    assert "libarchive" not in out
    assert "libnftables" not in out
    assert "libmicrohttpd" not in out and "libgnutls" not in out
