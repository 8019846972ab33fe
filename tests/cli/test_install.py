"""`make install` gives a user everything: the binary (stripped), the
monitor's programs (libexec/taper/taper-monitor and taper-supervise), library,
header and .pc, a man page per verb and taper.conf(5), bash and zsh
completion, the boot unit and the docs, all under the PREFIX asked for.

The installation goes into a DESTDIR of the test's own; the build
directory's prefix is put back afterwards.
"""
import json
import os
import re
import shutil
import subprocess

from conftest import TAPER


def sanitized():
    """The build under test has -Db_sanitize set."""
    build = os.environ.get("TAPER_BUILD") or os.path.dirname(TAPER)
    opts = json.loads(subprocess.run(["meson", "introspect", "--buildoptions", build],
                                     capture_output=True, text=True, check=True).stdout)
    return any(o["name"] == "b_sanitize" and o["value"] not in ("none", "") for o in opts)


def verbs(binary):
    out = subprocess.run([binary, "help"], capture_output=True, text=True, check=True).stdout
    return re.findall(r"^  ([a-z][a-z-]*) ", out.split("Verbs:")[1], re.M)


def test_install_honours_the_prefix(installed):
    assert os.path.isfile(f"{installed}/usr/bin/taper")
    assert not os.path.exists(f"{installed}/usr/local"), "PREFIX=/usr was not applied"
    assert os.path.isfile(f"{installed}/usr/include/taper.h")
    pcs = [os.path.join(d, f) for d, _, fs in os.walk(installed) for f in fs if f == "taper.pc"]
    assert pcs and all("prefix=/usr\n" in open(p).read() for p in pcs), pcs


def test_installed_binary_is_stripped_and_runs(installed):
    binary = f"{installed}/usr/bin/taper"
    sections = subprocess.run(["readelf", "-S", "-W", binary], capture_output=True, text=True,
                              check=True).stdout
    assert ".symtab" not in sections and ".debug_info" not in sections
    r = subprocess.run([binary, "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("taper "), r


def test_monitor_is_installed_where_the_library_looks(installed):
    monitor = f"{installed}/usr/libexec/taper/taper-monitor"
    sections = subprocess.run(["readelf", "-S", "-W", monitor], capture_output=True, text=True,
                              check=True).stdout
    assert ".symtab" not in sections
    # The path is compiled in (the prefix without DESTDIR), as the library's.
    lib = [os.path.join(d, f) for d, _, fs in os.walk(installed) for f in fs
           if f.startswith("libtaper.so.")][0]
    assert b"/usr/libexec/taper/taper-monitor\0" in open(lib, "rb").read()


def test_supervisor_is_installed_static_where_the_monitor_looks(installed):
    """taper-supervise, the program a monitor becomes once its container
    runs: installed beside taper-monitor, stripped, statically linked (no
    program interpreter, no shared library), and its installed path
    compiled into taper-monitor, which executes it."""
    supervise = f"{installed}/usr/libexec/taper/taper-supervise"
    out = subprocess.run(["readelf", "-S", "-l", "-d", "-W", supervise], capture_output=True,
                         text=True, check=True).stdout
    assert ".symtab" not in out
    if sanitized():
        # The sanitizers' runtimes are shared libraries only (meson.build).
        assert "libasan" in out, out
    else:
        assert "INTERP" not in out and "NEEDED" not in out, out
    monitor = f"{installed}/usr/libexec/taper/taper-monitor"
    assert b"/usr/libexec/taper/taper-supervise\0" in open(monitor, "rb").read()


def test_boot_unit_runs_the_installed_binary(installed):
    unit = open(f"{installed}/usr/lib/systemd/system/taper-autostart.service").read()
    assert "ExecStart=/usr/bin/taper autostart\n" in unit, unit
    # Stopped at shutdown, which needs the unit active until then.
    assert "ExecStop=/usr/bin/taper autostart -s\n" in unit, unit
    assert "RemainAfterExit=yes\n" in unit, unit
    assert "@" not in unit


def test_every_verb_has_a_man_page(installed):
    man1 = f"{installed}/usr/share/man/man1"
    missing = [v for v in verbs(TAPER) if v not in ("help", "version")
               and not os.path.isfile(f"{man1}/taper-{v}.1")]
    assert missing == [], "verbs without a man page (docs/man/taper-VERB.1.md)"
    for page in os.listdir(man1) + ["../man5/taper.conf.5"]:
        text = open(os.path.join(man1, page)).read()
        assert text.removeprefix(".nh\n").startswith(".TH "), page
        assert ".SH NAME" in text and ".SH SYNOPSIS" in text or page.endswith(".5"), page


def test_taper_conf_5_describes_every_key(installed):
    page = open(f"{installed}/usr/share/man/man5/taper.conf.5").read()
    keys = subprocess.run([TAPER, "config", "--keys", "--format", "text"], capture_output=True,
                          text=True, check=True).stdout
    names = [line.split(" = ")[0] for line in keys.splitlines() if not line.startswith(" ")]
    assert len(names) > 20
    # go-md2man escapes '-' and '.' at a line start; compare unescaped.
    plain = page.replace("\\-", "-").replace("\\&", "")
    assert [k for k in names if k not in plain] == []


def test_docs_are_installed(installed):
    doc = f"{installed}/usr/share/doc/taper"
    for f in ("README.md", "config.md", "lifecycle.md", "network.md", "templates.md", "charms.md"):
        assert os.path.getsize(f"{doc}/{f}") > 0, f


def test_charms_and_hook_tool_are_installed(installed):
    """deploy finds both relative to the installed binary."""
    for c in ("kv", "web", "mariadb", "mediawiki"):
        assert os.path.isfile(f"{installed}/usr/share/taper/charms/{c}/metadata.yaml"), c
    assert os.access(f"{installed}/usr/share/taper/charms/web/hooks/install", os.X_OK)
    tool = f"{installed}/usr/libexec/taper/taper-hook-tool"
    assert os.access(tool, os.X_OK)
    r = subprocess.run(["readelf", "-l", tool], capture_output=True, text=True, check=True)
    assert "INTERP" not in r.stdout, "the hook tool must be static (busybox units)"


def complete(installed, store, line):
    """What bash completion offers for `line` (the cursor at its end)."""
    script = f"""
        source {installed}/usr/share/bash-completion/completions/taper
        COMP_LINE={line!r}
        read -ra COMP_WORDS <<< "$COMP_LINE"
        [[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')
        COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
        _taper
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    env = dict(os.environ, PATH=f"{installed}/usr/bin:{os.environ['PATH']}", TAPER_PATH=store)
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    return set(r.stdout.split())


def test_bash_completion(installed, taper):
    taper.ok("create", "caja1", "-t", "busybox")
    taper.ok("create", "caja2", "-t", "busybox")
    assert {"create", "start", "stop", "attach", "help"} <= complete(installed, taper.store, "taper ")
    assert complete(installed, taper.store, "taper st") == {"start", "stop", "stats", "status"}
    assert complete(installed, taper.store, "taper destroy-") == {"destroy-service"}
    assert complete(installed, taper.store, "taper start ") == {"caja1", "caja2"}
    assert complete(installed, taper.store, "taper stop caja1 --k") == {"--kill"}
    assert complete(installed, taper.store, "taper limit caja1 --mem") == \
        {"--memory", "--memory-high"}
    assert complete(installed, taper.store, "taper create x -t ") == \
        {"busybox", "debian", "oci", "tarball"}
    assert "cgroup.memory.max" in complete(installed, taper.store, "taper config caja1 ")
    assert complete(installed, taper.store, "taper config caja1 rootfs.") >= \
        {"rootfs.path", "rootfs.readonly"}
    assert complete(installed, taper.store, "taper help cl") == {"clone"}
    # --path names the store to take names from.
    assert complete(installed, "/nonexistent", f"taper --path {taper.store} destroy ") == \
        {"caja1", "caja2"}


def test_zsh_completion_is_a_completion_function(installed):
    text = open(f"{installed}/usr/share/zsh/vendor-completions/_taper").read()
    assert text.startswith("#compdef taper\n")
    if shutil.which("zsh"):
        r = subprocess.run(["zsh", "-n", f"{installed}/usr/share/zsh/vendor-completions/_taper"],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
