"""End to end, as the Juju 1.x lecture does it: deploy mariadb, deploy
mediawiki, relate them, expose mediawiki; MediaWiki's main page comes
back from the exposed port on 127.0.0.1, from the database (the wiki's
title, and a page created through the API), and status shows both
services active and related.

Both units are Debian containers with their packages installed from the
host side (the debian template, cached per package set under TAPER_CACHE,
default /var/cache/taper): the first run downloads from Debian's mirror
and takes many minutes; later ones extract the cached trees. Runs when
TAPER_E2E=1 (`make e2e`), or by default when both trees are cached;
skipped otherwise. Every taper command runs in a network namespace of the
test's own (test_network_e2e's fixture).
"""
import hashlib
import json
import os
import subprocess
import urllib.parse

import pytest

from conftest import Taper
from test_e2e_debian import CACHE, host_release
from test_network_e2e import netns, nt  # noqa: F401  (fixtures)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = "/usr/bin/python3"


def charm_packages(name):
    """The packages list of a shipped charm's metadata.yaml."""
    pkgs, inside = [], False
    with open(os.path.join(ROOT, "charms", name, "metadata.yaml")) as f:
        for line in f:
            if line.startswith("packages:"):
                inside = True
            elif inside and line.startswith("  - "):
                pkgs.append(line[4:].strip())
            elif inside and not line.startswith(" "):
                inside = False
    return pkgs


def cached(pkgs):
    """Is the debian template's tree for this package set cached?"""
    release = host_release()
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True,
                          text=True).stdout.strip()
    joined = ",".join(sorted(set(pkgs + ["systemd-sysv"])))
    key = hashlib.sha256(f"minbase\n{joined}\n".encode()).hexdigest()[:16]
    return bool(release) and os.path.exists(
        os.path.join(CACHE, "debian", f"{release}-{arch}-minbase-{key}.tar"))


pytestmark = pytest.mark.skipif(
    os.environ.get("TAPER_E2E") != "1" and not all(
        cached(charm_packages(c)) for c in ("mariadb", "mediawiki")),
    reason="needs TAPER_E2E=1 (downloads from Debian's mirror) or a warm debian cache")


def request(t, url, data=None):
    """GET (or POST data) from inside the namespace; (status, body)."""
    code = ("import sys, urllib.request\n"
            "d = sys.argv[2].encode() if len(sys.argv) > 2 else None\n"
            "r = urllib.request.urlopen(sys.argv[1], data=d, timeout=60)\n"
            "print(r.status); print(r.read().decode(), end='')")
    p = t.sh(PY, "-c", code, url, *([data] if data is not None else []), timeout=120)
    status, _, body = p.stdout.partition("\n")
    return int(status), body


def warm(tmpdir, charm):
    """Fill the template cache for a charm's package set from this
    namespace, which reaches Debian's mirror (the test's own has loopback
    only): a container is made and destroyed again, never started."""
    if cached(charm_packages(charm)):
        return
    w = Taper(os.path.join(tmpdir, "warm"))
    os.makedirs(w.store, exist_ok=True)
    r = w("create", "w", "-t", "debian", "--packages", ",".join(charm_packages(charm)),
          env={"TAPER_CACHE": CACHE}, timeout=3600)
    assert r.returncode == 0, r
    w.ok("destroy", "w")


def test_mediawiki_on_mariadb(nt, tmpdir_root):  # noqa: F811
    t = nt
    os.chmod(os.path.dirname(t.store), 0o711)
    os.environ["TAPER_CACHE"] = CACHE
    for charm in ("mariadb", "mediawiki"):
        warm(tmpdir_root, charm)
    for args in (["deploy", "mariadb"], ["deploy", "mediawiki"], ["relate", "mediawiki", "mariadb"]):
        r = t(*args, timeout=3600)
        assert r.returncode == 0, (r, t("debug-log").stdout[-4000:])
    t.ok("expose", "mediawiki")

    st = json.loads(t.ok("status", "--format", "json").stdout)
    for svc in ("mariadb", "mediawiki"):
        u = st["services"][svc]["units"][f"{svc}/0"]
        assert u["workload-status"]["current"] == "active", st
        assert u["agent-state"] == "idle", st
    assert st["services"]["mediawiki"]["relations"] == {"db": ["mariadb"]}
    assert st["services"]["mariadb"]["relations"] == {"db": ["mediawiki"]}
    pub = st["services"]["mediawiki"]["units"]["mediawiki/0"]["published-ports"][0]
    port = pub.split(":")[0]
    base = f"http://127.0.0.1:{port}"

    status, page = request(t, f"{base}/")
    # MediaWiki titles its main page with the wiki's name alone.
    assert status == 200 and "<title>Taper Wiki</title>" in page, page[:2000]
    assert '"wgPageName":"Main_Page"' in page and '"wgIsMainPage":true' in page

    # A page written through the API is read back from the database.
    status, tok = request(t, f"{base}/api.php?action=query&meta=tokens&format=json")
    token = json.loads(tok)["query"]["tokens"]["csrftoken"]
    text = "Written by taper's end-to-end test"
    status, out = request(t, f"{base}/api.php", urllib.parse.urlencode({
        "action": "edit", "title": "Taper_Test", "text": text, "token": token,
        "format": "json"}))
    assert json.loads(out)["edit"]["result"] == "Success", out
    status, page = request(t, f"{base}/index.php?title=Taper_Test")
    assert status == 200 and text in page, page[:2000]
    assert "<title>Taper Test - Taper Wiki</title>" in page
    # In the database itself, as MediaWiki stored it.
    db = t.ok("attach", "mariadb-0", "--", "mysql", "-N", "-e",
              "SELECT page_title FROM mediawiki.page WHERE page_title = 'Taper_Test'").stdout
    assert db.strip() == "Taper_Test"
