"""The CLI is a front end like any other: its verbs reach libtaper through
include/taper.h only (DESIGN.md), never through the library's internal
modules. `taper run` (the executor's own front end) and `taper
checkconfig` (a diagnostic of the host) are the two exceptions. The charm
verbs' library (src/charm/) is a front end too: taper.h, util/ and its
own headers; the CLI reaches it through charm/charm.h alone."""
import glob
import os
import re

SRC = os.path.join(os.path.dirname(__file__), "..", "..", "src", "cli")
EXEMPT = {"cmd_run.c", "cmd_checkconfig.c"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def internal_includes(text, allowed=("cli/cli.h", "charm/charm.h"), prefixes=("util/",)):
    """The quoted includes that are neither allowed nor under prefixes."""
    return [path for kind, path in INCLUDE.findall(text)
            if kind == '"' and path not in allowed and not path.startswith(prefixes)]


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
            found = internal_includes(f.read())
        if found:
            bad[os.path.basename(path)] = found
    assert bad == {}, "verbs must use include/taper.h, not internal modules"


def test_charm_library_uses_the_public_api_only():
    charm = os.path.join(os.path.dirname(SRC), "charm")
    files = sorted(glob.glob(os.path.join(charm, "*.[ch]")) +
                   glob.glob(os.path.join(charm, "tool", "*.c")))
    assert len(files) > 10, files
    bad = {}
    for path in files:
        with open(path) as f:
            found = internal_includes(f.read(), allowed=(), prefixes=("util/", "charm/"))
        if found:
            bad[os.path.relpath(path, charm)] = found
    assert bad == {}, "src/charm must use include/taper.h, not internal modules"
