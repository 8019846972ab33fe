"""Charms, Juju-style, with the light pair shipped in charms/ (busybox
units, seconds each): deploy, hooks, relations, expose, status, set,
resolved, and the refusals of bad charms.

Every taper command runs inside a network namespace the test made
(test_network_e2e's fixture), so bridges, veths and published ports live
there, and the HTTP GET of the exposed port goes to 127.0.0.1 in it.
"""
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from test_network_e2e import netns, nt  # noqa: F401  (fixtures)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHARMS = os.path.join(ROOT, "charms")


@pytest.fixture
def ct(nt):  # noqa: F811
    """The netns taper, its store reachable by the units' root (a unit's
    files are bound from under the store)."""
    d = os.path.dirname(nt.store)
    os.chmod(d, 0o711)
    return nt


def status(t):
    return json.loads(t.ok("status", "--format", "json").stdout)


def unit(st, name):
    return st["services"][name.split("/")[0]]["units"][name]


def test_light_pair_related_and_exposed(ct):
    t = ct
    t.ok("deploy", "kv")
    t.ok("deploy", "web")
    st = status(t)
    assert unit(st, "kv/0")["workload-status"]["current"] == "active"
    assert unit(st, "web/0")["workload-status"] == {"current": "blocked",
                                                    "message": "needs a kv relation"}
    t.ok("relate", "web", "kv")
    t.ok("expose", "web")
    assert t.http("http://127.0.0.1:80/").stdout == "hello from kv\n"

    st = status(t)
    for u in ("kv/0", "web/0"):
        assert unit(st, u)["workload-status"]["current"] == "active", st
        assert unit(st, u)["agent-state"] == "idle", st
    assert st["services"]["web"]["relations"] == {"kv": ["kv"]}
    assert st["services"]["kv"]["relations"] == {"kv": ["web"]}
    assert st["services"]["web"]["exposed"] is True
    web = unit(st, "web/0")
    assert web["open-ports"] == ["80/tcp"] and web["published-ports"] == ["80:80/tcp"]
    assert web["public-address"] == st["machines"][web["machine"]]["dns-name"]
    assert st["machines"][web["machine"]]["instance-id"] == "web-0"
    # The YAML says the same, in Juju's spelling.
    y = t.ok("status").stdout
    assert "services:\n" in y and "    relations:\n      kv:\n      - kv\n" in y, y
    assert "agent-state: idle" in y and "workload-status:" in y

    # A new option value goes through config-changed and the relation.
    t.ok("set", "kv", "message=second words")
    assert t.http("http://127.0.0.1:80/").stdout == "second words\n"
    assert "value: second words" in t.ok("get", "kv").stdout
    log = t.ok("debug-log").stdout
    assert "kv/0 kv-relation-joined" in log and "gave web/0 the message" in log

    # Unexposed: the port is no longer published; unrelated: -departed ran.
    t.ok("unexpose", "web")
    assert t.http("http://127.0.0.1:80/", timeout=0).returncode != 0
    t.ok("remove-relation", "web", "kv")
    st = status(t)
    assert "relations" not in st["services"]["web"], st
    assert unit(st, "web/0")["workload-status"]["current"] == "blocked"


def test_expose_takes_the_next_free_port(ct):
    t = ct
    t.ok("deploy", "web", "-n", "2")
    t.ok("expose", "web")
    st = status(t)
    pubs = sorted(unit(st, f"web/{i}")["published-ports"][0] for i in (0, 1))
    assert pubs == ["80:80/tcp", "81:80/tcp"], pubs
    assert t.http("http://127.0.0.1:81/").stdout == "no kv relation yet\n"


def test_relate_refuses_mismatched_and_ambiguous(ct, tmp_path):
    t = ct
    t.ok("deploy", "web")
    t.ok("deploy", "kv")
    r = t("relate", "kv", "kv")
    assert r.returncode != 0 and "peers" in r.stderr
    r = t("relate", "web:website", "kv")
    assert r.returncode == 1 and "no relation between web:website and kv" in r.stderr, r
    assert "kv:kv (provides kv)" in r.stderr and "web:kv (requires kv)" in r.stderr
    # A second provider of kv on a copy: web:kv matches two endpoints.
    two = tmp_path / "kv2"
    shutil.copytree(os.path.join(CHARMS, "kv"), two)
    meta = (two / "metadata.yaml").read_text().replace("name: kv", "name: kv2")
    (two / "metadata.yaml").write_text(meta + "  spare:\n    interface: kv\n")
    t.ok("deploy", str(two))
    r = t("relate", "web", "kv2")
    assert r.returncode == 1 and "ambiguous relation" in r.stderr, r
    assert "web:kv kv2:kv" in r.stderr and "web:kv kv2:spare" in r.stderr
    t.ok("relate", "web", "kv2:spare")
    assert status(t)["services"]["web"]["relations"] == {"kv": ["kv2"]}


def bad_charm(tmp_path, name):
    d = tmp_path / name
    shutil.copytree(os.path.join(CHARMS, "kv"), d)
    return d


@pytest.mark.parametrize("case", ["no-metadata", "bad-yaml", "unknown-interface",
                                  "hook-not-executable", "bad-default", "bad-config-value"])
def test_bad_charm_is_refused_and_nothing_is_made(ct, tmp_path, case):
    t = ct
    d = bad_charm(tmp_path, "kv")
    args = []
    if case == "no-metadata":
        (d / "metadata.yaml").unlink()
        want = "metadata.yaml: No such file"
    elif case == "bad-yaml":
        (d / "metadata.yaml").write_text("name: kv\nprovides: [a\n")
        want = "metadata.yaml:3:"
    elif case == "unknown-interface":
        (d / "metadata.yaml").write_text("name: kv\nprovides:\n  kv:\n    interface: 'no such'\n")
        want = "metadata.yaml: provides.kv.interface: unknown interface \"no such\""
    elif case == "hook-not-executable":
        os.chmod(d / "hooks" / "start", 0o644)
        want = "hooks/start: not executable"
    elif case == "bad-default":
        (d / "config.yaml").write_text("options:\n  n:\n    type: int\n    default: many\n")
        want = "config.yaml: options.n.default: \"many\" is not an int"
    else:
        (d / "config.yaml").write_text("options:\n  n:\n    type: int\n    default: 3\n")
        args = ["--config", "n=three"]
        want = "config n (int): \"three\" is not an int"
    r = t("deploy", str(d), *args)
    assert r.returncode == 1 and want in r.stderr, r
    assert r.stderr.count("\n") == 1, r.stderr
    assert t.ok("ls", "-q").stdout == ""
    assert status(t)["services"] == {}
    services = os.path.join(t.store, ".charm", "services")
    assert not os.path.exists(services) or os.listdir(services) == []


def failing_charm(tmp_path, body):
    d = tmp_path / "flaky"
    shutil.copytree(os.path.join(CHARMS, "kv"), d)
    meta = (d / "metadata.yaml").read_text().replace("name: kv", "name: flaky")
    (d / "metadata.yaml").write_text(meta)
    (d / "hooks" / "install").write_text("#!/bin/sh\n" + body)
    os.chmod(d / "hooks" / "install", 0o755)
    return d


def test_failing_hook_puts_the_unit_in_error_until_resolved(ct, tmp_path):
    t = ct
    d = failing_charm(tmp_path, "echo 'cannot install: no /root/ok'\n[ -e /root/ok ] || exit 3\n")
    r = t("deploy", str(d))
    assert r.returncode == 1 and 'hook "install" failed' in r.stderr, r
    st = status(t)
    u = unit(st, "flaky/0")
    assert u["agent-state"] == "error" and u["agent-state-info"] == 'hook failed: "install"', u
    assert u["workload-status"]["current"] == "error"
    assert "flaky/0 install: cannot install: no /root/ok" in t.ok("debug-log").stdout
    # The unit's queue waits: config-changed and start did not run.
    assert "config-changed" not in t.ok("debug-log").stdout
    r = t("resolved", "flaky/0", "--retry")
    assert r.returncode == 1, r  # fails again, the same way
    t.ok("attach", "flaky-0", "--", "touch", "/root/ok")
    t.ok("resolved", "flaky/0", "--retry")
    u = unit(status(t), "flaky/0")
    assert u["agent-state"] == "idle" and u["workload-status"]["current"] == "active", u
    r = t("resolved", "flaky/0")
    assert r.returncode == 1 and "not in an error state" in r.stderr


def test_killed_in_a_hook_status_reads_and_resolved_recovers(ct, tmp_path):
    t = ct
    d = failing_charm(tmp_path, "[ -e /root/once ] && exit 0\ntouch /root/once\nsleep 300\n")
    p = subprocess.Popen(t.cmd([t.binary, "--path", t.store, "deploy", str(d)]),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            r = t("status", "--format", "json")
            # In the hook, past its touch: a retry then finds /root/once.
            if r.returncode == 0 and '"agent-state": "executing"' in r.stdout.replace(
                    '"agent-state":"executing"', '"agent-state": "executing"') and \
                    t("attach", "flaky-0", "--", "test", "-e", "/root/once").returncode == 0:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the install hook never ran")
        p.send_signal(signal.SIGKILL)
    finally:
        p.wait()
    u = unit(status(t), "flaky/0")
    assert u["agent-state"] == "lost" and 'hook "install" was interrupted' in u["agent-state-info"], u
    t.ok("resolved", "flaky/0", "--retry")
    u = unit(status(t), "flaky/0")
    assert u["agent-state"] == "idle" and u["workload-status"]["current"] == "active", u


def test_units_come_and_go(ct):
    t = ct
    t.ok("deploy", "kv")
    t.ok("deploy", "web")
    t.ok("add-relation", "kv", "web")
    t.ok("add-unit", "web")
    st = status(t)
    assert unit(st, "web/1")["workload-status"]["current"] == "active", st
    t.ok("remove-unit", "web/0")
    st = status(t)
    assert list(st["services"]["web"]["units"]) == ["web/1"]
    assert "web-0" not in t.ok("ls", "-q").stdout
    t.ok("destroy-service", "kv")
    st = status(t)
    assert "kv" not in st["services"] and "relations" not in st["services"]["web"]
    assert unit(st, "web/1")["workload-status"]["current"] == "blocked"
    assert t.ok("ls", "-q").stdout.split() == ["web-1"]


def test_bundle_deploys_in_dependency_order(ct, tmp_path):
    t = ct
    b = tmp_path / "bundle.yaml"
    b.write_text("services:\n"
                 "  front:\n    charm: cs:trusty/web-3\n    expose: true\n"
                 "  store:\n    charm: kv\n    options:\n      message: from the bundle\n"
                 "relations:\n  - [front, store]\n")
    r = t.ok("deploy", "--bundle", str(b))
    assert r.stderr.index("deployed store") < r.stderr.index("deployed front"), r.stderr
    assert t.http("http://127.0.0.1:80/").stdout == "from the bundle\n"
