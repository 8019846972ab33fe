"""System containers on the network, end to end: `taper start/stop/attach/
port/ls` on busybox containers made by `taper create -t busybox` (net.0 a
veth on taperbr0).

Every taper command runs inside a network namespace this module creates
(`ip netns add taper-t<pid><random>`) and enters with nsenter, so the
monitors, bridges, veths and nftables rules all live there; the test
process talks to the containers from inside it too. Only loopback and
addresses inside that namespace are used. The fixture stops every
container and deletes the namespace, also when a test fails.
"""
import json
import os
import random
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import lifecycle_util
from conftest import Result, Taper

PY = "/usr/bin/python3"


class NetnsTaper(Taper):
    """The taper fixture, run inside a held network namespace."""

    def __init__(self, store, netns):
        super().__init__(store)
        self.netns = netns

    def cmd(self, argv):
        return ["nsenter", f"--net=/run/netns/{self.netns}"] + [str(a) for a in argv]

    def __call__(self, *args, timeout=120, **kw):
        argv = self.cmd([self.binary, "--path", self.store] + list(args))
        env = dict(os.environ)
        env.pop("TAPER_PATH", None)
        p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout,
                           input=kw.get("input"))
        return Result(p)

    def sh(self, *argv, check=True, timeout=60):
        """A command of the test itself inside the namespace."""
        p = subprocess.run(self.cmd(argv), capture_output=True, text=True, timeout=timeout)
        if check:
            assert p.returncode == 0, (argv, p.stdout, p.stderr)
        return p

    # What the namespace holds.
    def links(self):
        return json.loads(self.sh("ip", "-j", "link", "show").stdout)

    def rules(self):
        p = self.sh("nft", "-j", "list", "table", "ip", "taper", check=False)
        if p.returncode != 0:
            return []
        return [i["rule"] for i in json.loads(p.stdout)["nftables"] if "rule" in i]

    def lease_dir(self, bridge="taperbr0"):
        return lifecycle_util.lease_dir(self.cmd([]), bridge)

    def leases(self, bridge="taperbr0"):
        """The addresses leased on bridge, by any store."""
        d = self.lease_dir(bridge)
        return sorted(f for f in os.listdir(d) if not f.startswith(".")) if os.path.isdir(d) else []

    def tag(self, name):
        return f"taper:ctr:{lifecycle_util.store_id(self.store)}:{name}"

    def http(self, url, timeout=10.0):
        """GET url from inside the namespace, retrying until it answers."""
        code = ("import sys, urllib.request\n"
                "print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode(), end='')")
        end = time.time() + timeout
        while True:
            p = self.sh(PY, "-c", code, url, check=False)
            if p.returncode == 0 or time.time() > end:
                return p
            time.sleep(0.1)


def stop_everything(t):
    """Teardown inside the namespace: stop (kill) every container, then
    kill what a broken monitor left."""
    if os.path.isdir(t.store):
        names = [n for n in os.listdir(t.store) if not n.startswith(".")]
        with ThreadPoolExecutor(max_workers=8) as ex:
            list(ex.map(lambda n: t("stop", "-k", n), names))
    for pid in lifecycle_util.monitors_of(t.store):
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    for cg in sorted(lifecycle_util.cgroups_of(t.store), key=len, reverse=True):
        subprocess.run(["sh", "-c", f"cat {cg}/cgroup.procs | xargs -r kill -9; rmdir {cg}"],
                       capture_output=True)


@pytest.fixture
def netns():
    name = f"taper-t{os.getpid()}{random.randrange(1 << 30):x}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


@pytest.fixture
def nt(tmpdir_root, netns):
    store = os.path.join(tmpdir_root, "store")
    os.mkdir(store)
    t = NetnsTaper(store, netns)
    try:
        yield t
    finally:
        stop_everything(t)


def create(t, name, *config):
    t.ok("create", name, "-t", "busybox")
    for line in config:
        key, value = [x.strip() for x in line.split("=", 1)]
        t.ok("config", name, key, value)


def addr_of(t, name):
    st = json.loads(t.ok("ls", "--format", "json").stdout)
    ips = [c["ipv4"] for c in st if c["name"] == name][0]
    assert len(ips) == 1, st
    return ips[0]


def inside_addr(t, name):
    """eth0's IPv4 address as the container itself sees it."""
    out = t.ok("attach", name, "--", "ip", "-4", "-o", "addr", "show", "dev", "eth0").stdout
    return out.split(" inet ")[1].split("/")[0]


def ping(t, name, ip):
    return t("attach", name, "--", "ping", "-c1", "-W2", ip)


def assert_no_trace(t, name, ifname_prefix=None):
    """Nothing of name's network: veth, lease, nft rule, runtime net file."""
    assert not [r for r in t.rules() if r.get("comment") == t.tag(name)]
    assert not [f for f in lifecycle_util.leftovers(t.store).get("leases", [])
                if open(f).read().strip() == lifecycle_util.lease_owner(t.store, name)]
    rt = lifecycle_util.runtime_dir(t.store, name)
    assert not os.path.exists(os.path.join(rt, "net"))
    if ifname_prefix:
        assert not [l for l in t.links() if l["ifname"].startswith(ifname_prefix)]


def veth_prefix(t, name):
    """The host end's name prefix, "vt<hash>-" (netsetup.c's FNV-1a)."""
    h = 0xcbf29ce484222325
    for b in lifecycle_util.store_id(t.store).encode() + b"\0" + name.encode() + b"\0":
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "vt%010x-" % (h & 0xffffffffff)


def test_ping_each_other_and_gateway(nt):
    create(nt, "a")
    create(nt, "b")
    nt.ok("start", "a")
    nt.ok("start", "b")
    a, b = addr_of(nt, "a"), addr_of(nt, "b")
    assert a != b
    # ls reports what the container has.
    assert inside_addr(nt, "a") == a
    assert inside_addr(nt, "b") == b
    info = json.loads(nt.ok("info", "a", "--format", "json").stdout)
    assert info["ipv4"] == [a]
    for src, dst in (("a", b), ("b", a), ("a", "10.0.3.1"), ("b", "10.0.3.1")):
        r = ping(nt, src, dst)
        assert r.returncode == 0 and "1 packets received" in r.stdout, (src, dst, r)
    # The host end is named as netsetup.c says: the stop check below relies on it.
    assert [l for l in nt.links() if l["ifname"].startswith(veth_prefix(nt, "a"))]


def start_httpd(t, name, text):
    www = os.path.join(t.store, name, "rootfs", "www")
    os.makedirs(www, exist_ok=True)
    with open(os.path.join(www, "index.html"), "w") as f:
        f.write(text)
    t.ok("attach", name, "--", "httpd", "-p", "80", "-h", "/www")


def test_httpd_direct_and_published(nt):
    create(nt, "web", "net.port = 8080:80")
    create(nt, "client")
    nt.ok("start", "web")
    nt.ok("start", "client")
    ip = addr_of(nt, "web")
    start_httpd(nt, "web", "hello from web\n")
    # NAT and ports went through libnftables, in a short-lived child: the
    # long-lived monitor never maps it (about a megabyte of RSS).
    mon = json.loads(nt.ok("info", "web", "--format", "json").stdout)["monitor_pid"]
    with open(f"/proc/{mon}/maps") as f:
        assert "libnftables" not in f.read()

    assert nt.http(f"http://{ip}/").stdout == "hello from web\n"           # the host, directly
    assert nt.http("http://127.0.0.1:8080/").stdout == "hello from web\n"  # published, loopback
    assert nt.http("http://10.0.3.1:8080/").stdout == "hello from web\n"   # published, bridge side
    r = nt("attach", "client", "--", "wget", "-q", "-O-", f"http://{ip}/")
    assert r.returncode == 0 and r.stdout == "hello from web\n", r

    # Added while running: published at once; removed: gone at once.
    nt.ok("port", "web", "add", "127.0.0.1:9090:80/tcp")
    assert nt.http("http://127.0.0.1:9090/").stdout == "hello from web\n"
    ls = json.loads(nt.ok("port", "web", "ls", "--format", "json").stdout)
    assert ls == [
        {"host_ip": "", "host_port": 8080, "container_port": 80, "proto": "tcp", "active": True},
        {"host_ip": "127.0.0.1", "host_port": 9090, "container_port": 80, "proto": "tcp",
         "active": True},
    ]
    assert "9090" in nt.ok("port", "web", "ls").stdout
    nt.ok("port", "web", "rm", "8080")
    assert nt.http("http://127.0.0.1:8080/", timeout=0).returncode != 0
    assert nt.http("http://127.0.0.1:9090/").stdout == "hello from web\n"
    assert nt.ok("config", "web", "net.port").stdout.split() == ["127.0.0.1:9090:80/tcp"]
    # A port published on 127.0.0.1 is the host's own: output only.
    assert [r["chain"] for r in nt.rules() if r.get("comment") == nt.tag("web")] == ["output"]

    # Stop: rules, veth and lease go; a new start publishes again.
    nt.ok("stop", "web")
    assert_no_trace(nt, "web", veth_prefix(nt, "web"))
    assert json.loads(nt.ok("port", "web", "ls", "--format", "json").stdout)[0]["active"] is False
    nt.ok("start", "web")
    start_httpd(nt, "web", "hello again\n")
    assert nt.http("http://127.0.0.1:9090/").stdout == "hello again\n"


def test_hairpin_to_own_published_port(nt):
    """A container reaches its own published port, and a neighbour's,
    through an address of the host, as with docker and podman: hairpin
    mode on the bridge port, the hairpinned connection masqueraded."""
    # Another address of the host than the bridge's, on a link of its own.
    nt.sh("ip", "link", "add", "thp0", "type", "veth", "peer", "name", "thp1")
    nt.sh("ip", "addr", "add", "192.168.79.1/24", "dev", "thp0")
    nt.sh("ip", "link", "set", "thp0", "up")
    create(nt, "web", "net.port = 8080:80")
    create(nt, "client")
    nt.ok("start", "web")
    nt.ok("start", "client")
    start_httpd(nt, "web", "hello from web\n")
    for host_ip in ("10.0.3.1", "192.168.79.1"):
        for name in ("web", "client"):
            r = nt("attach", name, "--", "timeout", "10", "wget", "-q", "-O-",
                   f"http://{host_ip}:8080/")
            assert r.returncode == 0 and r.stdout == "hello from web\n", (host_ip, name, r)
    # The host still reaches it as before, and directly.
    assert nt.http("http://192.168.79.1:8080/").stdout == "hello from web\n"
    assert nt.http(f"http://{addr_of(nt, 'web')}/").stdout == "hello from web\n"
    port = [l for l in nt.links() if l["ifname"].startswith(veth_prefix(nt, "web"))][0]["ifname"]
    detail = json.loads(nt.sh("ip", "-j", "-d", "link", "show", "dev", port).stdout)[0]
    assert detail["linkinfo"]["info_slave_data"]["hairpin"] is True, detail
    assert "taper:bridge:taperbr0:hairpin" in {r.get("comment") for r in nt.rules()}


def test_parallel_starts_and_stops(nt):
    names = [f"p{i}" for i in range(20)]
    for n in names:
        create(nt, n)
    with ThreadPoolExecutor(max_workers=20) as ex:
        results = list(ex.map(lambda n: nt("start", n), names))
    assert all(r.returncode == 0 for r in results), [r for r in results if r.returncode]
    st = json.loads(nt.ok("ls", "--format", "json").stdout)
    ips = [ip for c in st for ip in c["ipv4"]]
    assert len(ips) == 20 and len(set(ips)) == 20, ips
    assert len(nt.leases()) == 20
    assert sorted(ips) == sorted(nt.leases())
    with ThreadPoolExecutor(max_workers=20) as ex:
        results = list(ex.map(lambda n: nt("stop", "-t", "10", n), names))
    assert all(r.returncode == 0 for r in results), [r for r in results if r.returncode]
    assert nt.leases() == []
    assert not [l for l in nt.links() if l["ifname"].startswith("vt")]
    assert all(c["state"] == "STOPPED" for c in json.loads(nt.ok("ls", "--format", "json").stdout))


def test_stop_leaves_nothing(nt):
    create(nt, "s1", "net.port = 8081:80", "net.port = 8081:53/udp")
    nt.ok("start", "s1")
    prefix = veth_prefix(nt, "s1")
    assert [l for l in nt.links() if l["ifname"].startswith(prefix)]
    assert len([r for r in nt.rules() if r.get("comment") == nt.tag("s1")]) == 4
    assert len(nt.leases()) == 1
    nt.ok("stop", "s1")
    assert_no_trace(nt, "s1", prefix)
    assert nt.leases() == []
    assert not lifecycle_util.leftovers(nt.store)


def test_failed_start_leaves_nothing(nt):
    create(nt, "first", "net.port = 8082:80")
    nt.ok("start", "first")
    first_ip = addr_of(nt, "first")
    first_rules = [r for r in nt.rules() if r.get("comment") == nt.tag("first")]

    # A static address the first one holds.
    create(nt, "second", f"net.0.ipv4.address = {first_ip}/24", "net.port = 8083:80")
    r = nt("start", "second")
    assert r.returncode != 0
    assert f"address {first_ip} already leased to container \"first\"" in r.stderr, r
    assert_no_trace(nt, "second", veth_prefix(nt, "second"))
    assert nt.leases() == [first_ip]

    # A host port the first one holds while it runs.
    create(nt, "third", "net.port = 8082:80")
    r = nt("start", "third")
    assert r.returncode != 0
    assert 'net.port: host port 8082/tcp already published by container "first"' in r.stderr, r
    assert_no_trace(nt, "third", veth_prefix(nt, "third"))
    assert nt.leases() == [first_ip]

    st = {c["name"]: c["state"] for c in json.loads(nt.ok("ls", "--format", "json").stdout)}
    assert st == {"first": "RUNNING", "second": "STOPPED", "third": "STOPPED"}
    # The first one is untouched.
    assert [r for r in nt.rules() if r.get("comment") == nt.tag("first")] == first_rules
    assert ping(nt, "first", "10.0.3.1").returncode == 0


def test_start_drops_a_stale_lease(nt):
    """A crash that took the monitor and its runtime files leaves the lease
    behind: the next start must not keep it and take another."""
    create(nt, "crashy")
    leases = nt.lease_dir()
    os.makedirs(leases, exist_ok=True)
    with open(os.path.join(leases, "10.0.3.7"), "w") as f:
        f.write(lifecycle_util.lease_owner(nt.store, "crashy") + "\n")
    nt.ok("start", "crashy")
    assert nt.leases() == ["10.0.3.2"]
    assert addr_of(nt, "crashy") == "10.0.3.2"


def test_two_stores_one_namespace(nt, tmpdir_root):
    """Same container name in two stores: each keeps its own port rules."""
    other = NetnsTaper(os.path.join(tmpdir_root, "store2"), nt.netns)
    os.mkdir(other.store)
    try:
        other.ok("network", "create", "net2", "--subnet", "10.68.0.0/24")
        create(nt, "web", "net.port = 8084:80")
        create(other, "web", "net.0.link = net2", "net.port = 8085:80")
        nt.ok("start", "web")
        other.ok("start", "web")
        assert nt.tag("web") != other.tag("web")
        assert len([r for r in nt.rules() if r.get("comment") == nt.tag("web")]) == 2
        assert len([r for r in nt.rules() if r.get("comment") == other.tag("web")]) == 2
        nt.ok("stop", "web")
        assert not [r for r in nt.rules() if r.get("comment") == nt.tag("web")]
        assert len([r for r in nt.rules() if r.get("comment") == other.tag("web")]) == 2
        start_httpd(other, "web", "store two\n")
        assert other.http("http://127.0.0.1:8085/").stdout == "store two\n"
    finally:
        stop_everything(other)


def test_two_stores_one_bridge_one_lease_space(nt, tmpdir_root):
    """Two stores on the default bridge of one namespace: one lease space,
    distinct addresses, each store releasing only its own."""
    other = NetnsTaper(os.path.join(tmpdir_root, "store2"), nt.netns)
    os.mkdir(other.store)
    try:
        create(nt, "web")
        create(other, "web")   # the same name in the other store
        create(other, "db")
        nt.ok("start", "web")
        other.ok("start", "web")
        other.ok("start", "db")
        mine, theirs, db = addr_of(nt, "web"), addr_of(other, "web"), addr_of(other, "db")
        assert len({mine, theirs, db}) == 3, (mine, theirs, db)
        assert nt.leases() == sorted([mine, theirs, db])
        r = ping(nt, "web", theirs)
        assert r.returncode == 0 and "1 packets received" in r.stdout, r
        # Each store sees the bridge's leases, its own by name.
        owners = {l["address"]: l["owner"] for l in json.loads(
            nt.ok("network", "inspect", "taper", "--format", "json").stdout)["leases"]}
        assert owners == {mine: "web", theirs: other.tag("web"), db: other.tag("db")}
        # A static address another store holds is refused, naming it.
        create(nt, "copy", f"net.0.ipv4.address = {db}/24")
        r = nt("start", "copy")
        sid = lifecycle_util.store_id(other.store)
        assert r.returncode != 0
        assert f'address {db} already leased to container "db" of store {sid}' in r.stderr, r
        nt.ok("stop", "web")
        assert nt.leases() == sorted([theirs, db])
        nt.ok("start", "web")
        assert addr_of(nt, "web") == mine  # the lowest free again
        # The bridge is in use by the other store's leases too.
        other.ok("stop", "web")
        other.ok("stop", "db")
        assert nt.leases() == [mine]
    finally:
        stop_everything(other)
    stop_everything(nt)
    assert not os.path.exists(nt.lease_dir())


def port_rules(t, port):
    """The rules of the namespace's table that match destination port."""
    def dport(r):
        for e in r["expr"]:
            m = e.get("match", {})
            if m.get("left", {}).get("payload", {}).get("field") == "dport":
                return m["right"]
        return None
    return [r for r in t.rules() if dport(r) == port]


def assert_failed_cleanly(t, name):
    """A start that failed left nothing: no veth, lease, rule, runtime net
    file, cgroup, and the container is stopped."""
    assert_no_trace(t, name, veth_prefix(t, name))
    assert not [c for c in lifecycle_util.cgroups_of(t.store) if c.endswith("/" + name)]
    st = {c["name"]: c["state"] for c in json.loads(t.ok("ls", "--format", "json").stdout)}
    assert st[name] == "STOPPED"


def test_host_port_once_across_stores(nt, tmpdir_root):
    """Two stores in one namespace share the host's ports: the second
    start of one port fails naming the holder and leaves nothing."""
    other = NetnsTaper(os.path.join(tmpdir_root, "store2"), nt.netns)
    os.mkdir(other.store)
    try:
        other.ok("network", "create", "net2", "--subnet", "10.69.0.0/24")
        create(nt, "web", "net.port = 8088:80", "net.port = 8087:53/udp")
        create(other, "web", "net.0.link = net2", "net.port = 127.0.0.1:8088:80")
        create(other, "web2", "net.0.link = net2", "net.port = 8089:80")
        nt.ok("start", "web")
        held = port_rules(nt, 8088)
        assert len(held) == 2 and {r["comment"] for r in held} == {nt.tag("web")}

        r = other("start", "web")
        assert r.returncode != 0
        sid = lifecycle_util.store_id(nt.store)
        assert ('net.port: host port 8088/tcp already published by container "web" of store '
                f"{sid}") in r.stderr, r
        assert len(r.stderr.strip().splitlines()) == 1, r
        assert_failed_cleanly(other, "web")
        assert other.leases("tb-net2") == []
        assert not lifecycle_util.leftovers(other.store)
        assert port_rules(nt, 8088) == held

        # Another port is no clash; the held one is free again once its
        # holder stops.
        other.ok("start", "web2")
        start_httpd(other, "web2", "store two\n")
        assert other.http("http://127.0.0.1:8089/").stdout == "store two\n"
        # Adding the held port to a running container fails the same way
        # and changes nothing.
        def web2_rules():
            return [{k: v for k, v in r.items() if k != "handle"} for r in nt.rules()
                    if r.get("comment") == other.tag("web2")]
        mine = web2_rules()
        r = other("port", "web2", "add", "8087:53/udp")
        assert r.returncode != 0
        assert ('net.port: host port 8087/udp already published by container "web" of store '
                f"{sid}") in r.stderr, r
        assert other.ok("config", "web2", "net.port").stdout.split() == ["8089:80"]
        assert web2_rules() == mine
        nt.ok("stop", "web")
        other.ok("start", "web")
        assert {r["comment"] for r in port_rules(nt, 8088)} == {other.tag("web")}
    finally:
        stop_everything(other)


def test_start_refuses_a_port_any_rule_takes(nt):
    """The installed rules decide, whatever wrote them: a DNAT rule of a
    port range in taper's table holds every port in it."""
    create(nt, "first", "net.port = 8091:80")
    nt.ok("start", "first")  # makes the table and its chains
    nt.sh("nft", "add rule ip taper prerouting tcp dport { 8092-8094, 8096 } dnat to 10.0.3.250:80 "
          'comment "hand-made"')
    create(nt, "late", "net.port = 8093:80")
    r = nt("start", "late")
    assert r.returncode != 0
    assert ('net.port: host port 8093/tcp already published by rule "hand-made" of table ip taper'
            in r.stderr), r
    assert_failed_cleanly(nt, "late")
    nt.ok("config", "late", "--unset", "net.port")
    nt.ok("port", "late", "add", "8095:80")
    nt.ok("start", "late")
    assert len([r for r in nt.rules() if r.get("comment") == nt.tag("late")]) == 2


def test_concurrent_starts_of_one_port(nt):
    """Six containers race for one host port: exactly one runs with the
    rules, the others fail naming it and leave nothing."""
    names = [f"race{i}" for i in range(6)]
    for n in names:
        create(nt, n, "net.port = 8090:80")
    with ThreadPoolExecutor(max_workers=len(names)) as ex:
        results = dict(zip(names, ex.map(lambda n: nt("start", n), names)))
    won = [n for n, r in results.items() if r.returncode == 0]
    assert len(won) == 1, results
    winner = won[0]
    rules = port_rules(nt, 8090)
    assert len(rules) == 2 and {r["comment"] for r in rules} == {nt.tag(winner)}, rules
    assert nt.leases() == [addr_of(nt, winner)]
    for n, r in results.items():
        if n == winner:
            continue
        assert (f'net.port: host port 8090/tcp already published by container "{winner}"'
                in r.stderr), (n, r)
        assert_failed_cleanly(nt, n)
    assert len(lifecycle_util.monitors_of(nt.store)) == 1


@pytest.mark.parametrize("args,msg", [
    (["port", "v", "add", "0:80"], "net.port: \"0:80\": invalid host port 0"),
    (["port", "v", "add", "8080:65536"], "net.port: \"8080:65536\": invalid container port 65536"),
    (["port", "v", "add", "65536:80"], "net.port: \"65536:80\": invalid host port 65536"),
    (["port", "v", "add", "08080:80"],
     "net.port: \"08080:80\": host port 08080 has a leading zero (ambiguous)"),
    (["port", "v", "add", "8080:080/udp"],
     "net.port: \"8080:080/udp\": container port 080 has a leading zero (ambiguous)"),
    (["config", "v", "net.port", "127.0.0.1:08080:80"], "host port 08080 has a leading zero"),
    (["port", "v", "add", "8080:80/sctp"], "net.port: \"8080:80/sctp\": protocol must be tcp or udp"),
    (["port", "v", "add", "10.0.0.300:8080:80"],
     "net.port: \"10.0.0.300:8080:80\": invalid host address \"10.0.0.300\""),
    (["port", "v", "add", "8080"], "net.port: \"8080\": expected [HOSTIP:]HOSTPORT:CTRPORT"),
    (["port", "v", "rm", "8080/icmp"], "net.port: \"8080/icmp\": expected"),
    (["port", "v", "rm", "9999"], "net.port: \"9999\" is not published"),
    (["config", "v", "net.port", "8080:0"], "net.port: \"8080:0\": invalid container port 0"),
    (["config", "v", "net.port", "1.2.3:8080:80"], "net.port: \"1.2.3:8080:80\": invalid host address"),
    (["config", "v", "net.0.ipv4.address", "10.0.3.300/24"],
     "net.0.ipv4.address: invalid IPv4 address \"10.0.3.300/24\""),
    (["config", "v", "net.0.ipv4.address", "10.0.3.5/33"],
     "net.0.ipv4.address: invalid IPv4 address \"10.0.3.5/33\""),
    (["config", "v", "net.0.ipv4.gateway", "10.0.3"], "net.0.ipv4.gateway: invalid IPv4 address"),
    (["network", "create", "bad", "--subnet", "10.0.3.0/33"], "--subnet 10.0.3.0/33: invalid prefix length"),
    (["network", "create", "bad", "--subnet", "300.0.3.0/24"], "--subnet 300.0.3.0/24"),
])
def test_refused_naming_the_field(nt, args, msg):
    create(nt, "v")
    before = open(os.path.join(nt.store, "v", "config")).read()
    r = nt(*args)
    assert r.returncode != 0 and msg in r.stderr, r
    assert open(os.path.join(nt.store, "v", "config")).read() == before


def test_host_port_once_per_store(nt):
    create(nt, "one", "net.port = 8086:80")
    create(nt, "two")
    r = nt("port", "two", "add", "127.0.0.1:8086:81")
    assert r.returncode != 0
    assert 'host port 8086/tcp already published by container "one" (8086:80/tcp)' in r.stderr, r
    r = nt("port", "one", "add", "8086:81")
    assert r.returncode != 0 and "host port 8086/tcp already published (8086:80/tcp)" in r.stderr, r
    nt.ok("port", "two", "add", "8086:80/udp")        # another protocol
    nt.ok("port", "two", "add", "127.0.0.1:8087:80")
    nt.ok("port", "two", "add", "127.0.0.2:8087:80")  # another address
    assert nt.ok("config", "two", "net.port").stdout.split() == [
        "8086:80/udp", "127.0.0.1:8087:80/tcp", "127.0.0.2:8087:80/tcp"]


def test_snapshot_on_the_network(nt):
    """An idmapped snapshot with a veth: the monitor's /etc/hosts reaches
    the overlay the runtime builds, and nothing of it the source."""
    create(nt, "src")
    nt.ok("clone", "src", "snap", "--snapshot")
    nt.ok("start", "snap")
    ip = addr_of(nt, "snap")
    assert inside_addr(nt, "snap") == ip
    hosts = nt.ok("attach", "snap", "--", "cat", "/etc/hosts").stdout
    assert f"{ip}\tsnap" in hosts or f"{ip} snap" in hosts, hosts
    nt.ok("attach", "snap", "--", "sh", "-c", "echo x > /root/mine")
    nt.ok("stop", "snap")
    assert not os.path.exists(os.path.join(nt.store, "src", "rootfs", "root", "mine"))
    with open(os.path.join(nt.store, "src", "rootfs", "etc", "hosts")) as f:
        assert ip not in f.read()


def ip_forward(t):
    return t.sh("cat", "/proc/sys/net/ipv4/ip_forward").stdout.strip()


def test_default_network_nat_follows_its_definition(nt):
    """ip_forward and the masquerade come with a NAT network only; a
    definition of the default network with nat = false takes them back."""
    # A new network namespace starts with init_net's ip_forward (IPv4
    # devconf is copied from init_net unless net.core.devconf_inherit_init_net
    # is 2), which a host with any NAT bridge has at 1: start from 0 here.
    nt.sh("sysctl", "-qw", "net.ipv4.ip_forward=0")
    create(nt, "n1")
    os.makedirs(os.path.join(nt.store, ".networks"), exist_ok=True)
    with open(os.path.join(nt.store, ".networks", "taper"), "w") as f:
        f.write("subnet = 10.0.3.0/24\ngateway = 10.0.3.1\nnat = false\nbridge = taperbr0\n")
    nt.ok("start", "n1")
    assert ip_forward(nt) == "0"
    comments = {r.get("comment") for r in nt.rules()}
    assert "taper:bridge:taperbr0:masq" not in comments
    nt.ok("stop", "n1")

    os.unlink(os.path.join(nt.store, ".networks", "taper"))  # the built-in default: NAT on
    nt.ok("start", "n1")
    assert ip_forward(nt) == "1"
    assert "taper:bridge:taperbr0:masq" in {r.get("comment") for r in nt.rules()}
    nt.ok("stop", "n1")

    with open(os.path.join(nt.store, ".networks", "taper"), "w") as f:
        f.write("subnet = 10.0.3.0/24\ngateway = 10.0.3.1\nnat = false\nbridge = taperbr0\n")
    nt.ok("start", "n1")
    assert "taper:bridge:taperbr0:masq" not in {r.get("comment") for r in nt.rules()}
