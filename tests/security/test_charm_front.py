"""Charms: the code of a unit, in its container, against the hook tools.

A unit's hooks run in its container and reach taper only through the hook
tool's socket, whose requests carry the words of the hook's environment
(JUJU_RELATION_ID, JUJU_REMOTE_UNIT) and the tool's arguments: all of it
the container's to choose. What a tool answers must depend on which unit's
socket it came in by and on the hook taper itself runs, never on those
words alone.
"""
import json
import os
import shutil

import pytest

from test_charms import CHARMS, ct  # noqa: F401 (fixture)
from test_network_e2e import netns, nt  # noqa: F401 (fixtures)

SPY = """
# What a hostile unit tries, each round: share a secret of its own in its
# kv relation, then read its sibling's, which a non-peer relation never
# shows it, claiming the sibling as its "remote unit" by the environment.
me=${JUJU_UNIT_NAME#spy/}
other=spy/$((1 - me))
for r in $(relation-ids kv); do
	relation-set -r "$r" secret="of $JUJU_UNIT_NAME"
	JUJU_RELATION_ID=$r JUJU_REMOTE_UNIT=$other relation-get -r "$r" secret "$other" \
		>/root/leak 2>&1 || echo "refused: $(cat /root/leak)" >/root/leak
done
"""


@pytest.fixture
def spy_charm(tmp_path):
    d = tmp_path / "spy"
    shutil.copytree(os.path.join(CHARMS, "web"), d)
    meta = (d / "metadata.yaml").read_text().replace("name: web", "name: spy")
    (d / "metadata.yaml").write_text(meta)
    hook = d / "hooks" / "config-changed"
    hook.write_text(hook.read_text() + SPY)
    return d


def test_a_unit_cannot_read_a_siblings_settings_by_naming_it_remote(ct, spy_charm):  # noqa: F811
    """JUJU_REMOTE_UNIT set by hand made relation-get treat the named unit
    as the departing remote of the hook's relation, whose settings a
    -departed hook may read: a unit read another unit of its own service
    in a non-peer relation. Only the remote unit of the hook taper runs
    counts."""
    t = ct
    t.ok("deploy", "kv")
    t.ok("deploy", str(spy_charm))
    t.ok("add-unit", "spy")
    t.ok("relate", "spy", "kv")
    # Two rounds of config-changed: spy/1's secret is in the model after
    # the first, for spy/0 to try in the second.
    t.ok("set", "spy", "port=8081")
    t.ok("set", "spy", "port=8082")
    leak = t.ok("attach", "spy-0", "--", "cat", "/root/leak").stdout
    assert "of spy/1" not in leak, "spy/0 read spy/1's relation settings"
    assert leak.startswith("refused: unit spy/1: not in relation"), leak
    # What a unit may read is still readable: the remote side's settings.
    st = json.loads(t.ok("status", "--format", "json").stdout)
    assert st["services"]["spy"]["units"]["spy/0"]["workload-status"]["current"] == "active", st


FLOOD = """
# A hostile unit fills the host's disk through the model: 8 MB of output
# and of juju-log in the log, 3 MB of relation settings.
if [ -e /root/flood ]; then
	head -c 4000000 /dev/zero | tr '\\0' x | fold -w 1000
	i=0
	while [ $i -lt 40 ]; do juju-log "$(head -c 100000 /dev/zero | tr '\\0' y)"; i=$((i + 1)); done
	v=$(head -c 100000 /dev/zero | tr '\\0' z)
	for r in $(relation-ids kv); do
		i=0
		while [ $i -lt 30 ]; do relation-set -r "$r" "k$i=$v" || echo "refused at $i" >/root/refused; i=$((i + 1)); done
	done
fi
"""


@pytest.fixture
def flood_charm(tmp_path):
    d = tmp_path / "flood"
    shutil.copytree(os.path.join(CHARMS, "web"), d)
    (d / "metadata.yaml").write_text((d / "metadata.yaml").read_text().replace("name: web", "name: flood"))
    hook = d / "hooks" / "config-changed"
    hook.write_text(hook.read_text() + FLOOD)
    return d


def test_a_hook_cannot_fill_the_model(ct, flood_charm):  # noqa: F811
    """The log (the hook's output and juju-log) and the relation settings
    live in the model database on the host, outside the unit's disk: a
    hook gets a budget of each (1 MiB of log, 1 MiB of settings it sets),
    past which its output is dropped after one line saying so and
    relation-set fails."""
    import sqlite3
    t = ct
    t.ok("deploy", "kv")
    t.ok("deploy", str(flood_charm))
    t.ok("relate", "flood", "kv")
    t.ok("attach", "flood-0", "--", "touch", "/root/flood")
    t.ok("set", "flood", "port=8081", timeout=300)
    db = sqlite3.connect(os.path.join(t.store, ".model.sqlite"))
    logged = db.execute("SELECT sum(length(text)) FROM log WHERE unit = 'flood/0'").fetchone()[0]
    settings = db.execute("SELECT sum(length(key) + length(value)) FROM settings WHERE unit = 'flood/0'"
                          ).fetchone()[0] or 0
    db.close()
    assert logged < 2 << 20, f"{logged} bytes of log from one hook"
    assert settings < 2 << 20, f"{settings} bytes of settings from one hook"
    assert "the rest is dropped" in t.ok("debug-log").stdout
    assert t.ok("attach", "flood-0", "--", "cat", "/root/refused").stdout.startswith("refused at ")


NAMES = {
    "metadata-name": ("meta", "../../evil"),
    "metadata-name-slash": ("meta", "kv/../../evil"),
    "metadata-name-dot": ("meta", ".."),
    "endpoint": ("endpoint", "../../evil"),
    "service-arg": ("service", "../../evil"),
    "service-arg-abs": ("service", "/tmp/evil"),
}


@pytest.mark.parametrize("case", NAMES)
def test_charm_names_cannot_name_paths(case, ct, tmp_path):  # noqa: F811
    """A charm's name, its endpoints and the service name become
    directories of the store (.charm/services/NAME, units' dirs) and
    container names: one lower-case word each, refused otherwise, nothing
    made inside the store or out."""
    t = ct
    kind, name = NAMES[case]
    d = tmp_path / "kv"
    shutil.copytree(os.path.join(CHARMS, "kv"), d)
    args = [str(d)]
    if kind == "meta":
        meta = (d / "metadata.yaml").read_text().replace("name: kv", f"name: '{name}'")
        (d / "metadata.yaml").write_text(meta)
    elif kind == "endpoint":
        (d / "metadata.yaml").write_text(f"name: kv\nbase: busybox\nprovides:\n  '{name}':\n    interface: kv\n")
    else:
        args.append(name)
    before = sorted(os.listdir(os.path.dirname(t.store)))
    r = t("deploy", *args)
    assert r.returncode != 0 and r.stderr.count("\n") == 1, r
    assert name in r.stderr and ("not a" in r.stderr or "invalid" in r.stderr), r.stderr
    assert sorted(os.listdir(os.path.dirname(t.store))) == before
    assert not os.path.exists("/tmp/evil")
    services = os.path.join(t.store, ".charm", "services")
    assert not os.path.exists(services) or os.listdir(services) == []
    assert t.ok("ls", "-q").stdout == ""
