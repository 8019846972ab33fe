"""The command line itself: verbs, global options, errors."""
import json
import os

import pytest


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
    assert 'unknown verb "frobnicate"' in r.stderr
    assert r.stderr.count("\n") == 1


def test_unknown_verb_suggests_the_nearest(taper):
    for typo, verb in (("strat", "start"), ("stpo", "stop"), ("clon", "clone"), ("lst", "ls")):
        r = taper(typo)
        assert r.returncode == 2
        assert r.stderr == f'taper: unknown verb "{typo}" (did you mean "{verb}"?)\n', r
    assert "did you mean" not in taper("x").stderr


def test_help_verb(taper):
    r = taper.ok("help")
    assert r.stdout == taper.ok("--help").stdout and r.stderr == ""
    r = taper.ok("help", "stop")
    assert r.stdout.startswith("Usage: taper stop NAME") and r.stderr == ""
    r = taper("help", "strat")
    assert r.returncode == 2 and 'did you mean "start"' in r.stderr


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


def verbs_of(taper):
    out = taper.ok("help").stdout
    return [line.split()[0] for line in out.split("Verbs:")[1].splitlines()
            if line.startswith("  ") and line.split()[0] not in ("help", "version")]


def test_every_verb_names_itself_once_in_a_bad_option(taper):
    for verb in verbs_of(taper):
        # network's options are its subcommands'; create's "--x" are its template's.
        args = {"network": [verb, "ls"], "create": [verb, "c1", "-t", "busybox"]}.get(verb, [verb])
        args.append("--bogus-option")
        r = taper(*args)
        prefix = "taper: network ls: " if verb == "network" else f"taper: {verb}: "
        assert r.returncode == (125 if verb == "run" else 2), (verb, r)
        assert r.stderr.startswith(prefix) and r.stderr.count("taper:") == 1, (verb, r)
        assert '"--bogus-option"' in r.stderr, (verb, r)
        if verb != "create":
            assert r.stderr.splitlines()[1].startswith(f"Usage: taper {verb} "), (verb, r)


def test_every_verb_that_takes_a_name_says_it_is_missing(taper):
    checked = []
    for verb in verbs_of(taper) + ["network create", "network rm", "network inspect"]:
        if " " in verb:  # network's: "Usage: taper network ls ..." then one line each
            usage = next(l for l in taper.ok("network", "--help").stdout.splitlines()
                         if f"taper {verb} " in l)
            words = usage.split(f"taper {verb} ")[1].split()
        else:
            words = taper.ok("help", verb).stdout.splitlines()[0].split()[3:]
        if not words or words[0] not in ("NAME", "SRC", "OLD") + CHARM_WORDS:
            continue
        r = taper(*verb.split())
        lines = r.stderr.splitlines()
        assert r.returncode == 2 and r.stdout == "", (verb, r)
        assert lines[0] == f"taper: {verb}: missing {words[0].rstrip('.')}", (verb, r)
        assert lines[1].startswith(f"Usage: taper {verb} {words[0]}") and len(lines) == 2, (verb, r)
        checked.append(verb)
    assert len(checked) >= 15, checked
    assert set(CHARM_VERBS) <= set(checked), checked


CHARM_WORDS = ("CHARM", "SERVICE", "UNIT", "UNIT...", "SERVICE[:ENDPOINT]")
CHARM_VERBS = ("deploy", "add-unit", "remove-unit", "destroy-service", "relate", "unrelate",
               "expose", "unexpose", "set", "get", "resolved")


def test_charm_verbs_name_the_word_missing_or_too_many(taper):
    """Every word of a charm verb, and one too many, the way the other verbs
    say it: one line naming it, then the usage line, exit 2."""
    missing = {"set web": "KEY=VALUE", "relate web": "SERVICE[:ENDPOINT]",
               "add-relation web": "SERVICE[:ENDPOINT]"}
    one_too_many = ["unrelate a b", "deploy light-web web", "deploy --bundle b.yaml", "get web",
                    "expose web", "resolved web/0", "status", "debug-log"]
    cases = [(words.split(), f"missing {name}") for words, name in missing.items()]
    cases += [(words.split() + ["x"], 'unexpected argument "x"') for words in one_too_many]
    for args, what in cases:
        r = taper(*args)
        lines = r.stderr.splitlines()
        assert r.returncode == 2 and r.stdout == "", (args, r)
        assert lines[0] == f"taper: {args[0]}: {what}", (args, r)
        assert lines[1].startswith(f"Usage: taper {args[0]} ") and len(lines) == 2, (args, r)
    # As many words as a verb takes: past the words, to the model.
    for args in (["set", "web", "a=1", "b=2"], ["remove-unit", "web/0", "web/1"]):
        r = taper(*args)
        assert r.returncode == 1 and "Usage:" not in r.stderr, (args, r)


def test_errors_name_the_container_once(taper):
    taper.ok("create", "c1", "-t", "busybox")
    cases = [("start", "nope"), ("stop", "c1"), ("stop", "nope"), ("attach", "c1"),
             ("console", "c1"), ("freeze", "c1"), ("unfreeze", "c1"), ("info", "nope"),
             ("destroy", "nope"), ("wait", "nope", "RUNNING"), ("clone", "nope", "x"),
             ("clone", "c1", "c1"), ("rename", "nope", "x"), ("rename", "c1", "c1"),
             ("config", "nope"), ("limit", "nope"), ("stats", "c1"), ("port", "nope", "ls"),
             ("port", "c1", "rm", "80")]
    for verb, name, *rest in cases:
        r = taper(verb, name, *rest)
        assert r.returncode != 0 and r.stderr.count("\n") == 1, (verb, r)
        assert r.stderr.startswith(f'taper: {verb}: container "{name}"'), (verb, r)
        assert r.stderr.count(f'"{name}"') == 1 and f" {name}:" not in r.stderr, (verb, r)
        assert f"{verb} {name}" not in r.stderr and r.stderr.count(f": {verb}:") == 1, (verb, r)
        # The sentence says it all: no strerror restating it.
        for noise in ("No such process", "No such file", "Invalid argument", "timed out"):
            assert noise not in r.stderr, (verb, r)


def test_every_listing_verb_speaks_json_and_yaml(taper):
    yaml = pytest.importorskip("yaml")
    taper.ok("create", "c1", "-t", "busybox")
    taper.ok("port", "c1", "add", "8080:80")
    listings = [["ls"], ["network", "ls"], ["network", "inspect", "taper"],
                ["port", "c1", "ls"], ["config", "--keys"], ["limit", "c1"], ["info", "c1"],
                ["stats", "--all", "--interval", "0.01"]]
    for args in listings:
        j = json.loads(taper.ok(*args, "--format", "json").stdout)
        y = yaml.safe_load(taper.ok(*args, "--format", "yaml").stdout)
        if args[0] == "info":  # uptime and usage move
            j.pop("uptime_seconds"), y.pop("uptime_seconds")
        assert y == j, args
        assert j, args
        r = taper(*args, "--format", "xml")
        assert r.returncode == 2 and r.stderr.startswith("taper: ") and '"xml"' in r.stderr, (args, r)


def test_sizes_print_one_way(taper):
    taper.ok("create", "c1", "-t", "busybox")
    taper.ok("limit", "c1", "--memory", "1536M", "--memory-high", "1G", "--swap", "1")
    rows = {l.split()[0]: l.split()[2] for l in taper.ok("limit", "c1").stdout.splitlines()[2:]}
    assert rows["--memory"] == "1.5GiB" and rows["--memory-high"] == "1GiB", rows
    assert rows["--swap"] == "1B", rows
    j = json.loads(taper.ok("limit", "c1", "--format", "json").stdout)["limits"]
    assert j["memory"]["config"] == "1536M"
    for verb in ("ls", "stats", "info"):
        assert "k\n" not in taper.ok(verb, *(["c1"] if verb == "info" else [])).stdout


def test_clone_does_not_carry_the_created_by_line(taper):
    taper.ok("create", "c1", "-t", "busybox")
    with open(os.path.join(taper.store, "c1", "config")) as f:
        assert f.readline() == '# c1: created by "taper create -t busybox"\n'
    taper.ok("clone", "c1", "c2")
    taper.ok("clone", "c1", "c3", "--snapshot")
    with open(os.path.join(taper.store, "c2", "config")) as f:
        text = f.read()
    assert text.startswith("# c2: copy of c1\n") and "created by" not in text, text
    with open(os.path.join(taper.store, "c3", "config")) as f:
        assert f.readline() == "# c3: copy of c1\n"


def test_bad_tarball_says_what_libarchive_says_and_names_the_file(taper, tmp_path):
    bad = tmp_path / "not-a-tarball.tar"
    bad.write_text("hello\n")
    r = taper("create", "x", "-t", "tarball", "--file", str(bad))
    assert r.returncode == 1
    assert r.stderr == (f'taper: create: container "x": template tarball: --file "{bad}": '
                        "Unrecognized archive format\n"), r
