"""taper web against the browser's attackers: pages of other sites the
user visits while logged in, DNS names rebound to 127.0.0.1, and clients
without the token. Each test runs `taper web` on a loopback port of its
own (tests/cli/test_web_api.py's Server)."""
import http.client

import pytest

from test_web_api import Server, api, web  # noqa: F401 (fixture)
from web_util import Http


def raw(port, method, path, headers):
    """A request with exactly these headers (Host included)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in headers.items():
        conn.putheader(k, v)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read().decode(errors="replace")
    conn.close()
    return resp.status, body


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:{port}", "127.0.0.1.nip.io:{port}",
                                  "localhost.attacker.example:{port}"])
def test_dns_rebinding_is_refused_on_loopback(host, web):  # noqa: F811
    """A site whose name is rebound to 127.0.0.1 reaches a server on
    loopback with its own name in Host: the same origin to the browser as
    that site. A server bound to loopback answers only to loopback names."""
    host = host.format(port=web.port)
    status, body = raw(web.port, "GET", "/?token=" + web.token, {"Host": host})
    assert status == 421, (status, body)
    assert "Set-Cookie" not in body
    status, body = raw(web.port, "GET", api("/containers"),
                       {"Host": host, "Authorization": f"Bearer {web.token}"})
    assert status == 421, (status, body)
    assert f'"error":"host {host}: this server listens on loopback' in body, body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}", "127.0.0.1",
                                  "localhost", "127.1.2.3:{port}", "[::1]:{port}"])
def test_loopback_names_still_reach_the_server(host, web):  # noqa: F811
    status, body = raw(web.port, "GET", api("/containers"),
                       {"Host": host.format(port=web.port), "Authorization": f"Bearer {web.token}"})
    assert status == 200, (status, body)


def test_a_cross_site_page_cannot_lock_the_user_out(web):  # noqa: F811
    """Any page the user visits can make the browser GET
    http://127.0.0.1:PORT/?token=wrong: five of those put 127.0.0.1, the
    user's own address, under the 429 for a minute, again and again. A
    login a browser marks as coming from another site (Sec-Fetch-Site) is
    refused without counting."""
    h = web.anon()
    for _ in range(8):
        r = h.get("/?token=" + "C" * 43, headers={"Sec-Fetch-Site": "cross-site"})
        assert r.status == 403, r
    r = h.get("/?token=" + web.token, headers={"Sec-Fetch-Site": "none"})
    assert r.status == 303, r
    assert Http(web.port, web.token).get(api("/containers")).status == 200
    # Nor does a cross-site page log the user in with a token of its choosing.
    r = h.get("/?token=" + web.token, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status == 403 and "Set-Cookie" not in r.headers, r


@pytest.mark.parametrize("path", [
    "/api/v1/containers/..", "/api/v1/containers/%2e%2e", "/api/v1/containers/..%2f..%2fetc",
    "/api/v1/containers/%2e%2e%2f.web-token", "/api/v1/containers/a%00b/start",
    "/api/v1/containers/" + "a" * 5000, "/api/v1/networks/..%2f..%2fetc%2fpasswd",
    "/api/v1/jobs/-1", "/api/v1/jobs/99999999999999999999", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
])
def test_path_tricks_in_urls_name_nothing(path, web):  # noqa: F811
    """Container and network names in URLs are checked as names (one path
    component of [A-Za-z0-9_.-]); a page path is looked up among the
    embedded files only."""
    for method in ("GET", "POST", "DELETE"):
        r = web.http.request(method, path)
        assert r.status in (400, 404, 405, 413, 414, 431), (method, path, r)
        assert "root:" not in r.text and web.token not in r.text


def test_an_unauthenticated_client_learns_nothing(web, sys_taper):  # noqa: F811
    """No oracle: the same 401 for a container that exists and one that
    does not; no version, store path or name on the login page."""
    sys_taper.ok("create", "known", "-t", "busybox")
    anon = web.anon()
    a, b = anon.get(api("/containers/known")), anon.get(api("/containers/unknown"))
    assert (a.status, a.text) == (b.status, b.text) == (401, b.text)
    for path in ("/", api("/session"), api("/templates"), api("/networks")):
        r = anon.get(path)
        assert r.status == 401
        assert sys_taper.store not in r.text and "known" not in r.text


def test_bodies_over_the_limit_are_refused_before_they_are_read(web):  # noqa: F811
    r = web.http.request("POST", api("/containers"), raw="x" * (64 * 1024 + 1))
    assert r.status == 413, r
    status, body = raw(web.port, "POST", api("/containers"),
                       {"Host": f"127.0.0.1:{web.port}", "Authorization": f"Bearer {web.token}",
                        "Content-Length": str(1 << 40)})
    assert status == 413, (status, body)
