"""The CLI is a front end like any other: its verbs reach libtaper through
include/taper.h only (DESIGN.md), never through the library's internal
modules. `taper run` (the executor's own front end) and `taper
checkconfig` (a diagnostic of the host) are the two exceptions."""
import glob
import os
import re

SRC = os.path.join(os.path.dirname(__file__), "..", "..", "src", "cli")
EXEMPT = {"cmd_run.c", "cmd_checkconfig.c"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def internal_includes(text):
    """The quoted includes that are neither cli/cli.h nor util/."""
    return [path for kind, path in INCLUDE.findall(text)
            if kind == '"' and path != "cli/cli.h" and not path.startswith("util/")]


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
