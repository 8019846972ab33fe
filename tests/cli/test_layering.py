"""The CLI is a front end like any other: its verbs reach libtaper through
include/taper.h only (DESIGN.md), never through the library's internal
modules. `taper run` (the executor's own front end) and `taper
checkconfig` (a diagnostic of the host) are the two exceptions. The web
panel (src/web/) is held to the same rule, with no exception: taper.h,
util/ and its own headers."""
import glob
import os
import re

SRC = os.path.join(os.path.dirname(__file__), "..", "..", "src", "cli")
WEB = os.path.join(os.path.dirname(__file__), "..", "..", "src", "web")
EXEMPT = {"cmd_run.c", "cmd_checkconfig.c"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def internal_includes(text, own=("cli/cli.h",), own_dir=None):
    """The quoted includes that are neither the front end's own nor util/."""
    return [path for kind, path in INCLUDE.findall(text)
            if kind == '"' and path not in own and not path.startswith("util/")
            and not (own_dir and path.startswith(own_dir))]


def test_rule_catches_an_internal_include():
    text = '#include <stdio.h>\n#include <taper.h>\n#include "cli/cli.h"\n' \
           '#include "util/cleanup.h"\n  # include "store/store.h"\n'
    assert internal_includes(text) == ["store/store.h"]


def test_verbs_use_the_public_api_only():
    files = sorted(glob.glob(os.path.join(SRC, "cmd_*.c"))) + \
        [os.path.join(SRC, "cli.h"), os.path.join(SRC, "cli_store.c")]
    assert len(files) > 10, files
    bad = {}
    for path in files:
        if os.path.basename(path) in EXEMPT:
            continue
        with open(path) as f:
            # web/web.h: the panel, a front end of its own (cmd_web.c)
            found = internal_includes(f.read(), own=("cli/cli.h", "web/web.h"))
        if found:
            bad[os.path.basename(path)] = found
    assert bad == {}, "verbs must use include/taper.h, not internal modules"


def test_web_uses_the_public_api_only():
    files = sorted(glob.glob(os.path.join(WEB, "*.[ch]")))
    assert len(files) > 5, files
    bad = {}
    for path in files:
        with open(path) as f:
            found = internal_includes(f.read(), own=(), own_dir="web/")
        if found:
            bad[os.path.basename(path)] = found
    assert bad == {}, "src/web must use include/taper.h, not internal modules"
    # cmd_web.c reaches the panel through web/web.h alone.
    with open(os.path.join(SRC, "cmd_web.c")) as f:
        assert internal_includes(f.read(), own=("cli/cli.h", "web/web.h")) == []


def test_web_rule_catches_an_internal_include():
    text = '#include "web/web-internal.h"\n#include "util/fs.h"\n#include "limits/limits.h"\n'
    assert internal_includes(text, own=(), own_dir="web/") == ["limits/limits.h"]
