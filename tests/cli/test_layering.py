"""Every module includes only the layers DESIGN.md's picture lets it use
(HACKING.md, "Layers", holds the same table). Data flows one way: front
end -> spec -> executor -> kernel adapters; a lower layer never includes
a higher one, so there is no include cycle between modules. Front ends
(src/cli/, and later src/oci/, src/web/, src/charm/) reach the library
through include/taper.h only, plus util/'s header helpers."""
import glob
import os
import re

SRC = os.path.join(os.path.dirname(__file__), "..", "..", "src")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)

# module -> the modules it may include (itself always; <taper.h> always).
ALLOWED = {
    # foundations
    "util": set(),
    # the model every layer below the front ends speaks: spec/ is the
    # vocabulary (limits, process, mounts) the executor and the adapters
    # take, so it includes nothing but util/
    "spec": {"util"},
    # kernel adapters: know no store, no container, no config
    "security": {"spec", "util"},
    "cgroup": {"spec", "util"},
    "net": {"spec", "util"},
    # executor
    "run": {"spec", "security", "cgroup", "util"},
    # model: stored containers, their config, templates
    "store": {"util"},
    "config": {"spec", "store", "net", "util"},
    "template": {"spec", "store", "util"},
    # supervision: started by container/, calls it back, never includes it
    "monitor": {"run", "spec", "config", "store", "net", "cgroup", "security", "util"},
    # the public API (include/taper.h): everything below it
    "limits": {"config", "store", "spec", "cgroup", "util"},
    "check": {"spec", "cgroup", "net", "security", "util"},
    "container": {"monitor", "run", "spec", "config", "store", "template", "limits", "net",
                  "cgroup", "security", "util"},
    # front ends: the panel, the charm verbs' library and the OCI runtime are
    # ones too; the CLI enters them through web/web.h, charm/charm.h and
    # oci/oci.h (`taper oci` and the taper-oci name)
    "web": {"util"},
    "charm": {"util"},
    "oci": {"util"},
    "cli": {"web", "charm", "oci", "util"},
}

# Edges the table refuses that the code still has, each with its reason.
# A listed edge that is gone must leave the list too.
EXCEPTIONS = set()


def edges(text):
    """The modules of the quoted includes of a C file."""
    return [path.split("/", 1)[0] for kind, path in INCLUDE.findall(text)
            if kind == '"' and "/" in path]


def violations(files):
    """{(file relative to src, module it includes)} that ALLOWED refuses.
    files: {relative path: text}."""
    bad = set()
    for rel, text in files.items():
        mod = rel.split("/", 1)[0]
        for target in edges(text):
            if target != mod and target not in ALLOWED[mod]:
                bad.add((rel, target))
    return bad


def sources():
    out = {}
    for path in glob.glob(os.path.join(SRC, "*", "*.[ch]")):
        rel = os.path.relpath(path, SRC)
        with open(path) as f:
            out[rel] = f.read()
    return out


def test_every_module_has_a_row():
    mods = {os.path.basename(d) for d in glob.glob(os.path.join(SRC, "*")) if os.path.isdir(d)}
    assert mods - set(ALLOWED) == set(), "a new module needs its row in ALLOWED and HACKING.md"


def test_rule_catches_an_upward_include():
    planted = {
        "net/fake.c": '#include <stdio.h>\n#include <taper.h>\n#include "net/nl.h"\n'
                      '#include "util/err.h"\n  # include "container/container.h"\n',
        "monitor/fake.c": '#include "container/ports.h"\n#include "run/run.h"\n',
        "cli/cmd_fake.c": '#include "cli/cli.h"\n#include "util/cleanup.h"\n#include "run/run.h"\n',
        "spec/fake.c": '#include "spec/spec.h"\n#include "util/strv.h"\n',
    }
    assert violations(planted) == {("net/fake.c", "container"), ("monitor/fake.c", "container"),
                                   ("cli/cmd_fake.c", "run")}


def test_layers_include_only_below():
    found = violations(sources())
    assert found - EXCEPTIONS == set(), "an include against the layers (HACKING.md, Layers)"
    assert EXCEPTIONS - found == set(), "an exception that no longer happens: remove it"


def test_no_include_cycle_between_modules():
    graph = {}
    for rel, text in sources().items():
        mod = rel.split("/", 1)[0]
        graph.setdefault(mod, set()).update(t for t in edges(text) if t != mod)
    seen, stack = set(), []

    def visit(m):
        assert m not in stack, "include cycle: " + " -> ".join(stack[stack.index(m):] + [m])
        if m in seen:
            return
        stack.append(m)
        for t in sorted(graph.get(m, ())):
            visit(t)
        stack.pop()
        seen.add(m)

    for m in sorted(graph):
        visit(m)


def test_front_ends_use_the_public_api_only():
    # The verbs include <taper.h>, cli/cli.h and util/ alone: cmd_run.c too.
    files = sorted(glob.glob(os.path.join(SRC, "cli", "cmd_*.c")))
    assert len(files) > 10, files
    run = open(os.path.join(SRC, "cli", "cmd_run.c")).read()
    assert violations({"cli/cmd_run.c": run}) == set()


CLEANUP = re.compile(r"^DEFINE_CLEANUP_FUNC\((struct \w+), (\w+)\)", re.M)
HANDWRITTEN = re.compile(r"^static (?:inline )?void (\w+)p\(struct \w+ \*\*\w+\)\n\{\n\t\1\(\*\w+\);\n\}", re.M)


def test_each_cleanup_function_is_declared_once():
    """DEFINE_CLEANUP_FUNC beside the free function, in its owner's header;
    no copy in a .c file of a type another file frees the same way."""
    seen = {}
    for rel, text in sources().items():
        for m in CLEANUP.finditer(text):
            seen.setdefault(m.group(2), []).append(rel)
        for m in HANDWRITTEN.finditer(text):
            seen.setdefault(m.group(1), []).append(rel)
    twice = {func: files for func, files in seen.items() if len(files) > 1}
    assert twice == {}, twice


# A function definition at the start of a line: "type name(" ... "{".
DEFINITION = re.compile(r"^(?!static\b)(TAPER_EXPORT\s+)?[A-Za-z_][\w \*]*?\b(taper_\w+)\(", re.M)


def test_taper_prefix_is_the_public_api():
    """Only exported functions (TAPER_EXPORT, include/taper.h) are named
    taper_*; internal ones carry their module's prefix."""
    bad = []
    for rel, text in sources().items():
        if not rel.endswith(".c"):
            continue
        for m in DEFINITION.finditer(text):
            if not m.group(1):
                bad.append(f"{rel}: {m.group(2)}")
    assert bad == [], bad


def test_prefix_rule_catches_an_internal_taper_name():
    text = "int taper_thing(void)\n{\n}\nTAPER_EXPORT int taper_ok(void)\n{\n}\n"
    found = [m.group(2) for m in DEFINITION.finditer(text) if not m.group(1)]
    assert found == ["taper_thing"]
