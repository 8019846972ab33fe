"""taper web: the JSON API, black-box against the real binary on a
loopback port of its own, over a store of its own (docs/api-web.md).
Containers come from `taper create NAME -t busybox`."""
import os
import re
import socket
import stat
import subprocess
import time

import pytest

import lifecycle_util
from conftest import store_id
from web_util import Http, WebSocket

CG = "/sys/fs/cgroup"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, taper, *extra):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [taper.binary, "--path", taper.store, "web", "--listen", f"127.0.0.1:{self.port}", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()
        while self.url and not self.url.startswith("Log in at "):
            self.url = self.proc.stdout.readline().strip()
        assert self.url, self.proc.stderr.read()
        self.url = self.url.removeprefix("Log in at ")
        self.token = self.url.split("?token=")[1]
        self.http = Http(self.port, self.token)

    def anon(self):
        return Http(self.port)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


@pytest.fixture
def web(sys_taper):
    srv = Server(sys_taper)
    yield srv
    alive = srv.proc.poll() is None
    srv.stop()
    assert alive, "the server died during the test"


def busybox(taper, name, start=False):
    taper.ok("create", name, "-t", "busybox")
    if start:
        taper.ok("start", name)


def api(path):
    return "/api/v1" + path


# ---- the server and its secret ----

def test_token_file_is_private_and_stable(sys_taper):
    srv = Server(sys_taper)
    try:
        path = os.path.join(sys_taper.store, ".web-token")
        st = os.stat(path)
        assert stat.S_IMODE(st.st_mode) == 0o600
        assert open(path).read().strip() == srv.token
        assert re.fullmatch(rf"http://127\.0\.0\.1:{srv.port}/\?token=[A-Za-z0-9_-]{{43}}", srv.url)
    finally:
        srv.stop()
    again = Server(sys_taper)
    try:
        assert again.token == srv.token
    finally:
        again.stop()


def test_a_loose_token_file_is_refused(sys_taper):
    path = os.path.join(sys_taper.store, ".web-token")
    with open(path, "w") as f:
        f.write("x" * 43 + "\n")
    os.chmod(path, 0o644)
    r = sys_taper("web", "--listen", f"127.0.0.1:{free_port()}", timeout=10)
    assert r.returncode == 1 and ".web-token: must be a file of this user with mode 0600" in r.stderr, r


def test_other_addresses_need_tls_or_insecure(sys_taper):
    r = sys_taper("web", "--listen", f"0.0.0.0:{free_port()}", timeout=10)
    assert r.returncode == 1, r
    assert "not a loopback address; give --cert and --key" in r.stderr
    r = sys_taper("web", "--listen", "127.0.0.1:99999", timeout=10)
    assert r.returncode == 1 and "bad port" in r.stderr, r
    r = sys_taper("web", "--cert", "/nonexistent", timeout=10)
    assert r.returncode == 1 and "--cert and --key go together" in r.stderr, r


def test_insecure_prints_a_warning(sys_taper):
    port = free_port()
    p = subprocess.Popen([sys_taper.binary, "--path", sys_taper.store, "web", "--listen",
                          f"0.0.0.0:{port}", "--insecure"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        assert line.startswith("taper web: serving store"), line
    finally:
        p.terminate()
        p.wait(10)
    err = p.stderr.read()
    p.stdout.close()
    p.stderr.close()
    assert "WARNING: serving plain HTTP on 0.0.0.0" in err, err
    assert p.returncode == 0


# ---- authentication ----

@pytest.mark.parametrize("method,path", [
    ("GET", "/api/v1/containers"), ("GET", "/api/v1/containers/x"), ("POST", "/api/v1/containers/x/start"),
    ("GET", "/app.js"), ("GET", "/nonexistent"), ("DELETE", "/api/v1/containers/x"),
])
def test_no_token_gets_401_and_nothing_else(web, method, path):
    r = web.anon().request(method, path)
    assert r.status == 401, r
    assert r.json == {"error": "authentication required"}


def test_the_page_without_a_session_is_only_a_login_form(web):
    r = web.anon().get("/")
    assert r.status == 401
    assert "<form" in r.text and "app.js" not in r.text


def test_wrong_bearer_gets_401(web):
    h = Http(web.port, "A" * 43)
    assert h.get(api("/containers")).status == 401


def test_login_cookie_and_csrf(web):
    h = web.anon()
    r = h.get("/?token=" + web.token)
    assert r.status == 303 and r.headers["Location"] == "/"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback
    h.cookie = cookie.split(";")[0]
    page = h.get("/")
    assert page.status == 200 and "/app.js" in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert h.get("/app.js").status == 200
    session = h.get(api("/session"))
    assert session.status == 200 and len(session.json["csrf"]) == 43
    # A session alone does not change anything: the CSRF token must come too.
    r = h.post(api("/containers"), {"name": "x"})
    assert r.status == 403 and "CSRF" in r.json["error"], r
    r = h.post(api("/containers"), {"name": "x"}, headers={"X-CSRF-Token": "B" * 43})
    assert r.status == 403, r
    h.csrf = session.json["csrf"]
    r = h.post(api("/containers"), {"name": "bad name!"})
    assert r.status == 400 and r.json["field"] == "name", r
    # Logged out, the cookie is worth nothing.
    assert h.post(api("/logout")).status == 200
    assert h.get(api("/containers")).status == 401


def test_wrong_tokens_are_rate_limited(web):
    h = web.anon()
    for _ in range(5):
        assert h.get("/?token=" + "C" * 43).status == 401
    r = h.get("/?token=" + web.token)
    assert r.status == 429, r
    assert Http(web.port, web.token).get(api("/containers")).status == 429


# ---- containers ----

def test_list_and_detail(web, sys_taper):
    busybox(sys_taper, "c1", start=True)
    busybox(sys_taper, "c2")
    r = web.http.get(api("/containers"))
    assert r.status == 200, r
    rows = {c["name"]: c for c in r.json["containers"]}
    assert rows["c1"]["state"] == "RUNNING" and rows["c2"]["state"] == "STOPPED"
    assert re.fullmatch(r"10\.0\.3\.\d+", rows["c1"]["ipv4"][0])
    assert rows["c1"]["pids"] >= 1 and rows["c1"]["memory"] > 0
    assert rows["c1"]["autostart"] is False
    time.sleep(0.6)
    again = {c["name"]: c for c in web.http.get(api("/containers")).json["containers"]}
    assert isinstance(again["c1"]["cpu_percent"], float)
    assert again["c2"]["cpu_percent"] is None
    d = web.http.get(api("/containers/c1"))
    assert d.status == 200
    assert d.json["summary"]["state"] == "RUNNING"
    assert "rootfs" in d.json["config_text"]
    assert any(l["option"] == "memory" for l in d.json["limits"]["limits"])


def test_lifecycle_and_wrong_states(web, sys_taper):
    busybox(sys_taper, "c1")
    h = web.http
    r = h.post(api("/containers/c1/stop"))
    assert r.status == 409 and "not running" in r.json["error"], r
    r = h.post(api("/containers/c1/start"))
    assert r.status == 200 and r.json == {"name": "c1", "state": "RUNNING"}, r
    r = h.post(api("/containers/c1/start"))
    assert r.status == 409 and "already running" in r.json["error"], r
    r = h.post(api("/containers/c1/freeze"))
    assert r.status == 200 and r.json["state"] == "FROZEN", r
    r = h.post(api("/containers/c1/unfreeze"))
    assert r.status == 200 and r.json["state"] == "RUNNING", r
    r = h.post(api("/containers/c1/restart"), {"timeout": 0})
    assert r.status == 200 and r.json["state"] == "RUNNING", r
    r = h.post(api("/containers/c1/stop"), {"kill": True})
    assert r.status == 200 and r.json["state"] == "STOPPED", r
    assert sys_taper.ok("info", "c1", "--format", "json").stdout.count('"STOPPED"') == 1


def test_a_long_call_does_not_block_others(web, sys_taper):
    """A stop waits for its timeout in a child; the server answers meanwhile."""
    import threading
    busybox(sys_taper, "c1", start=True)
    sys_taper.ok("config", "c1", "stop.signal", "SIGCONT")  # the init ignores it
    result = {}
    t = threading.Thread(target=lambda: result.update(r=web.http.post(api("/containers/c1/stop"),
                                                                     {"timeout": 3})))
    t.start()
    time.sleep(0.5)
    assert t.is_alive()
    r = web.http.get(api("/containers"))
    assert r.status == 200
    assert t.is_alive(), "the stop should still be waiting"
    t.join(30)
    assert result["r"].status == 200 and result["r"].json["state"] == "STOPPED", result


def test_limits_apply_live_and_persist(web, sys_taper):
    busybox(sys_taper, "c1", start=True)
    r = web.http.put(api("/containers/c1/limits"), {"memory": "64M", "pids": 100})
    assert r.status == 200, r
    rows = {l["option"]: l for l in r.json["limits"]}
    assert rows["memory"]["config"] == "64M" and rows["memory"]["kernel"] == str(64 << 20)
    with open(f"{CG}/memory/taper/{store_id(sys_taper.store)}/c1/memory.limit_in_bytes") as f:
        assert f.read().strip() == str(64 << 20)
    assert sys_taper.ok("config", "c1", "cgroup.memory.max").stdout.strip() == "64M"
    got = web.http.get(api("/containers/c1/limits")).json
    assert {l["option"]: l["config"] for l in got["limits"]}["pids"] == "100"
    # Bad values: 400 naming the field, nothing written.
    r = web.http.put(api("/containers/c1/limits"), {"memory": "lots"})
    assert r.status == 400 and r.json["field"] == "memory" and "lots" in r.json["error"], r
    r = web.http.put(api("/containers/c1/limits"), {"colour": "blue"})
    assert r.status == 400 and r.json["field"] == "colour", r
    r = web.http.put(api("/containers/c1/limits"), {"memory": ["64M"]})
    assert r.status == 400 and r.json["field"] == "memory", r
    assert sys_taper.ok("config", "c1", "cgroup.memory.max").stdout.strip() == "64M"


def test_errors_have_their_status(web, sys_taper):
    busybox(sys_taper, "c1")
    h = web.http
    r = h.post(api("/containers/c1/stop"), raw="{not json")
    assert r.status == 400 and r.json["error"].startswith("malformed JSON"), r
    r = h.post(api("/containers/c1/stop"), {"timeout": "soon"})
    assert r.status == 400 and r.json["field"] == "timeout", r
    r = h.post(api("/containers/c1/stop"), {"hurry": True})
    assert r.status == 400 and r.json["field"] == "hurry", r
    r = h.post(api("/containers/nope/start"))
    assert r.status == 404 and 'container "nope" not found' in r.json["error"], r
    assert h.get(api("/containers/nope")).status == 404
    assert h.get(api("/nothing")).status == 404
    assert h.post(api("/containers/c1/explode")).status == 404
    r = h.put(api("/containers"))
    assert r.status == 405, r
    assert h.get(api("/containers/c1/start")).status == 405
    assert h.delete(api("/containers/c1/limits")).status == 405
    r = h.post(api("/containers"), raw="x" * (64 * 1024 + 1))
    assert r.status == 413, r
    r = h.post(api("/containers"), {"name": "c1"})
    assert r.status == 409 and r.json["field"] == "name", r
    r = h.post(api("/containers"), {"name": "n", "template": "nosuch"})
    assert r.status == 400 and r.json["field"] == "template", r
    r = h.post(api("/containers"), {"name": "n", "template": "tarball"})
    assert r.status == 400 and r.json["field"] == "options" and "--file" in r.json["error"], r


def test_create_clone_rename_destroy(web, sys_taper):
    h = web.http
    r = h.post(api("/containers"), {"name": "made", "template": "busybox"})
    assert r.status == 202, r
    job = r.json["url"]
    assert r.headers["Location"] == job
    for _ in range(600):
        j = h.get(job).json
        if j["state"] != "running":
            break
        time.sleep(0.1)
    assert j["state"] == "done", j
    assert sys_taper.ok("info", "made").returncode == 0
    r = h.post(api("/containers/made/clone"), {"name": "copy", "snapshot": True})
    assert r.status == 201 and r.json["name"] == "copy", r
    r = h.patch(api("/containers/copy"), {"name": "copy2"})
    assert r.status == 200 and r.json["name"] == "copy2", r
    r = h.post(api("/containers/copy2/rename"), {"name": "made"})
    assert r.status == 409, r
    r = h.delete(api("/containers/made"))
    assert r.status == 409, r  # copy2 is a snapshot of it
    assert h.delete(api("/containers/copy2")).status == 200
    assert h.delete(api("/containers/made")).status == 200
    assert h.get(api("/containers")).json["containers"] == []


def test_create_can_wait(web, sys_taper):
    r = web.http.post(api("/containers?wait=1"), {"name": "w1", "options": []})
    assert r.status == 201 and r.json == {"name": "w1", "state": "STOPPED"}, r


def test_ports(web, sys_taper):
    busybox(sys_taper, "c1")
    h = web.http
    r = h.post(api("/containers/c1/ports"), {"spec": "18181:80"})
    assert r.status == 201, r
    r = h.get(api("/containers/c1/ports"))
    assert r.json["ports"] == [{"host_ip": "", "host_port": 18181, "container_port": 80, "proto": "tcp",
                                "active": False}], r
    r = h.post(api("/containers/c1/ports"), {"spec": "80000:1"})
    assert r.status == 400 and r.json["field"] == "spec", r
    assert h.delete(api("/containers/c1/ports/18181/tcp")).status == 200
    assert h.delete(api("/containers/c1/ports/18181")).status == 404
    assert h.get(api("/containers/c1/ports")).json["ports"] == []


def test_networks_and_templates(web):
    r = web.http.get(api("/networks"))
    assert r.status == 200 and any(n["name"] == "taper" for n in r.json["networks"]), r
    assert web.http.get(api("/networks/taper")).json["subnet"] == "10.0.3.0/24"
    assert web.http.get(api("/networks/nope")).status == 404
    r = web.http.post(api("/networks"), {"name": "lab", "subnet": "10.66.0.1/24"})
    assert r.status == 400 and r.json["field"] == "subnet", r
    t = web.http.get(api("/templates")).json["templates"]
    assert "busybox" in [x["name"] for x in t]


def test_stats_stream_delivers_samples(web, sys_taper):
    busybox(sys_taper, "c1", start=True)
    s = socket.create_connection(("127.0.0.1", web.port), timeout=15)
    s.sendall((f"GET /api/v1/containers/c1/stats?interval_ms=200 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Authorization: Bearer {web.token}\r\n\r\n").encode())
    buf = b""
    while buf.count(b"data: ") < 3:
        chunk = s.recv(4096)
        assert chunk, buf
        buf += chunk
    s.close()
    head, _, body = buf.partition(b"\r\n\r\n")
    assert b"200 OK" in head and b"text/event-stream" in head
    # Nothing but events: a stray byte (a NUL) breaks a browser's parser.
    assert b"\x00" not in body
    import json
    events = [json.loads(line[6:]) for line in body.decode().splitlines() if line.startswith("data: ")]
    assert len(events) >= 3
    assert all(e["running"] and e["pids"] >= 1 and e["memory"] > 0 for e in events)
    assert events[0]["cpu"] is None and isinstance(events[1]["cpu"], float)
    # The server still answers others while a stream is open.
    assert web.http.get(api("/containers")).status == 200


def test_console_tail(web, sys_taper):
    busybox(sys_taper, "c1")
    r = web.http.get(api("/containers/c1/console"))
    assert r.status == 409, r
    sys_taper.ok("start", "c1")
    r = web.http.get(api("/containers/c1/console"))
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain"), r


def test_terminal_runs_echo(web, sys_taper):
    busybox(sys_taper, "c1", start=True)
    ws = WebSocket("127.0.0.1", web.port, "/api/v1/containers/c1/terminal?cols=90&rows=20",
                   {"Authorization": f"Bearer {web.token}"})
    assert ws.status == 101, ws.head
    ws.send('echo term-""-ok; stty size\r')
    out = ws.read_until("20 90")
    ws.close()
    assert "term--ok" in out and "20 90" in out, out


def test_terminal_refuses_other_origins_and_stopped_containers(web, sys_taper):
    busybox(sys_taper, "c1")
    ws = WebSocket("127.0.0.1", web.port, "/api/v1/containers/c1/terminal",
                   {"Authorization": f"Bearer {web.token}"})
    assert ws.status == 409, ws.head
    sys_taper.ok("start", "c1")
    h = web.anon()
    h.cookie = h.get("/?token=" + web.token).headers["Set-Cookie"].split(";")[0]
    csrf = h.get(api("/session")).json["csrf"]
    ws = WebSocket("127.0.0.1", web.port, f"/api/v1/containers/c1/terminal?csrf={csrf}",
                   {"Cookie": h.cookie, "Origin": "http://evil.example"})
    assert ws.status == 403, ws.head
    ws = WebSocket("127.0.0.1", web.port, "/api/v1/containers/c1/terminal",
                   {"Cookie": h.cookie, "Origin": f"http://127.0.0.1:{web.port}"})
    assert ws.status == 403, ws.head  # no CSRF token
    ws = WebSocket("127.0.0.1", web.port, f"/api/v1/containers/c1/terminal?csrf={csrf}",
                   {"Cookie": h.cookie, "Origin": f"http://127.0.0.1:{web.port}"})
    assert ws.status == 101, ws.head
    ws.close()


def test_garbage_never_kills_the_server(web):
    junk = [b"\x00\xff" * 100 + b"\r\n\r\n", b"GET / HTTP/1.1\r\n" + b"X: " + b"y" * 100000 + b"\r\n\r\n",
            b"BREW /api/v1/containers HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            b"GET /api/v1/containers/%00/start HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            b"POST /api/v1/containers HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999999\r\n\r\n",
            b"POST /api/v1/containers HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"GET /api/v1/containers/../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            b"GET /api/v1/" + b"a/" * 300 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"]
    for j in junk:
        s = socket.create_connection(("127.0.0.1", web.port), timeout=10)
        try:
            s.sendall(j)
            s.recv(4096)
        except OSError:
            pass
        s.close()
    h = web.http
    for body in ["[]", "1", "null", '{"name": 1}', '{"name": "' + "a" * 5000 + '"}', '{"name": null}',
                 "\xff\xfe", '{"options": {"file": 3}, "name": "z"}']:
        r = h.post(api("/containers"), raw=body.encode("utf-8", "surrogateescape"))
        assert r.status == 400, (body, r)
    for path in ["/containers/%2e%2e", "/containers/" + "x" * 300, "/jobs/abc", "/jobs/99999",
                 "/containers/a/ports/1/2/3/4/5"]:
        assert h.get(api(path)).status in (400, 404, 405), path
    assert h.get(api("/containers")).status == 200
    assert web.proc.poll() is None


def test_tls(sys_taper, tmp_path):
    import http.client
    import shutil
    import ssl
    if not shutil.which("openssl"):
        pytest.skip("no openssl to make a certificate")
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
                    cert, "-subj", "/CN=localhost", "-days", "1"], check=True, capture_output=True)
    srv = Server(sys_taper, "--cert", str(cert), "--key", str(key))
    try:
        assert srv.url.startswith(f"https://127.0.0.1:{srv.port}/?token=")
        ctx = ssl.create_default_context(cafile=str(cert))
        ctx.check_hostname = False
        c = http.client.HTTPSConnection("127.0.0.1", srv.port, context=ctx, timeout=20)
        c.request("GET", "/?token=" + srv.token)
        r = c.getresponse()
        r.read()
        cookie = r.getheader("Set-Cookie")
        assert r.status == 303 and "; Secure" in cookie and "HttpOnly" in cookie, cookie
        c.request("GET", "/api/v1/session", headers={"Authorization": f"Bearer {srv.token}"})
        r = c.getresponse()
        assert r.status == 200 and b'"tls":true' in r.read()
        c.close()
        # Plain HTTP to a TLS port gets no answer that a client would take.
        plain = Http(srv.port, srv.token)
        with pytest.raises(Exception):
            assert plain.get("/api/v1/containers").status != 200
    finally:
        srv.stop()
