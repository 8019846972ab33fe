"""`taper network` and published ports, end to end, in throwaway network
namespaces only: a held "host" namespace (unshare --net) stands in for the
machine, a second one for a container. Nothing targets any address outside
them."""
import json
import os
import signal
import subprocess
import time

import pytest

import lifecycle_util
from conftest import ROOT, TAPER

BUILD = os.environ.get("TAPER_BUILD", os.path.dirname(TAPER))
HELPER = os.path.join(BUILD, "tests", "unit", "taper-net-helper")
PY = "/usr/bin/python3"


class Netns:
    """A network namespace held by a sleeping process."""

    def __init__(self, enter=None):
        argv = ["unshare", "--net", "sleep", "1000"]
        if enter:
            argv = enter.cmd(argv)
        self.proc = subprocess.Popen(argv)
        self.path = f"/proc/{self.proc.pid}/ns/net"
        for _ in range(200):  # until unshare has exec'd into its namespace
            if enter is None or os.readlink(self.path) != os.readlink(enter.path):
                if os.readlink(self.path) != os.readlink("/proc/self/ns/net"):
                    break
            time.sleep(0.01)

    @property
    def pid(self):
        return self.proc.pid

    def cmd(self, argv):
        return ["nsenter", f"--net={self.path}"] + [str(a) for a in argv]

    def run(self, *argv, check=True, timeout=60):
        p = subprocess.run(self.cmd(argv), capture_output=True, text=True, timeout=timeout)
        if check:
            assert p.returncode == 0, (argv, p.stdout, p.stderr)
        return p

    def close(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def host():
    ns = Netns()
    ns.run("ip", "link", "set", "lo", "up")
    yield ns
    ns.close()


def taper_in(ns, store, *args, check=True):
    return ns.run(TAPER, "--path", store, *args, check=check)


def links(ns):
    return json.loads(ns.run("ip", "-j", "link", "show").stdout)


def nft_table(ns):
    p = ns.run("nft", "-j", "list", "table", "ip", "taper", check=False)
    return json.loads(p.stdout)["nftables"] if p.returncode == 0 else None


@pytest.mark.parametrize("args,msg", [
    (["--subnet", "10.0.3.0/33"], "--subnet 10.0.3.0/33: invalid prefix length"),
    (["--subnet", "10.0.3.1/24"], "--subnet 10.0.3.1/24: host bits set"),
    (["--subnet", "10.0.3.0/31"], "--subnet 10.0.3.0/31: prefix length must be 8..30"),
    (["--subnet", "10.9.0.0/24", "--gateway", "10.9.1.1"], "--gateway 10.9.1.1: outside 10.9.0.0/24"),
    (["--subnet", "10.9.0.0/24", "--mtu", "20"], "--mtu 20: must be 68..65535"),
    (["--subnet", "10.9.0.0/24", "--bridge", "a-name-far-too-long"], "--bridge a-name-far-too-long"),
    ([], "missing --subnet CIDR"),
])
def test_create_refuses_bad_values(taper, args, msg):
    argv = ["unshare", "--net", TAPER, "--path", taper.store, "network", "create", "bad"] + args
    p = subprocess.run(argv, capture_output=True, text=True)
    assert p.returncode != 0
    assert p.stderr.startswith("taper: network create: " + msg), p.stderr
    assert not os.path.exists(os.path.join(taper.store, ".networks", "bad"))


@pytest.mark.parametrize("text,msg", [
    ("subnet = 10.67.0.0/24\ncolour = red\n", ':2: unknown key "colour"'),
    ("# hand-edited\nsubnet 10.67.0.0/24\n", ':2: expected "key = value"'),
    ("subnet = 10.67.0.0/24\nbridge = " + "b" * 5000 + "\n", ":2: bridge: line longer than 4096 bytes"),
], ids=["unknown-key", "no-equals", "overlong"])
def test_bad_definition_names_file_line_key(taper, text, msg):
    """A hand-edited definition that does not read is one line naming the
    file, the line and the key, never a value cut short."""
    os.makedirs(os.path.join(taper.store, ".networks"), exist_ok=True)
    path = os.path.join(taper.store, ".networks", "lab")
    with open(path, "w") as f:
        f.write(text)
    argv = ["unshare", "--net", TAPER, "--path", taper.store, "network", "inspect", "lab"]
    p = subprocess.run(argv, capture_output=True, text=True)
    assert p.returncode != 0
    assert p.stderr.count("\n") == 1 and path + msg in p.stderr, p.stderr


def test_network_lifecycle(taper, host):
    store = taper.store
    r = taper_in(host, store, "network", "create", "lab", "--subnet", "10.66.0.0/24", "--nat")
    assert r.stdout == "lab\n"
    with open(os.path.join(store, ".networks", "lab")) as f:
        assert "subnet = 10.66.0.0/24\n" in f.read()
    ls = taper_in(host, store, "network", "ls").stdout.splitlines()
    assert ls[0].split()[:3] == ["NAME", "BRIDGE", "SUBNET"]
    assert any(l.split()[:4] == ["lab", "tb-lab", "10.66.0.0/24", "10.66.0.1"] for l in ls)
    assert any(l.split()[0] == "taper" for l in ls)
    info = json.loads(taper_in(host, store, "network", "inspect", "lab", "--format", "json").stdout)
    assert info["bridge"] == "tb-lab" and info["nat"] is True and info["bridge_exists"] is True
    br = [l for l in links(host) if l["ifname"] == "tb-lab"]
    assert br and "UP" in br[0]["flags"]
    addrs = json.loads(host.run("ip", "-j", "addr", "show", "tb-lab").stdout)
    assert {"10.66.0.1"} == {a["local"] for a in addrs[0]["addr_info"] if a["family"] == "inet"}
    assert host.run("cat", "/proc/sys/net/ipv4/ip_forward").stdout.strip() == "1"

    dup = taper_in(host, store, "network", "create", "lab2", "--subnet", "10.66.0.0/16", check=False)
    assert "overlaps network lab" in dup.stderr

    # A lease holds the network.
    leases = lifecycle_util.lease_dir(host.cmd([]), "tb-lab")
    os.makedirs(leases)
    with open(os.path.join(leases, "10.66.0.2"), "w") as f:
        f.write(lifecycle_util.lease_owner(store, "web1") + "\n")
    busy = taper_in(host, store, "network", "rm", "lab", check=False)
    assert busy.returncode == 1
    assert "network lab: in use by 1 address lease(s)" in busy.stderr
    os.unlink(os.path.join(leases, "10.66.0.2"))
    os.rmdir(leases)
    os.rmdir(os.path.dirname(leases))  # the namespace's, made for the lease

    taper_in(host, store, "network", "rm", "lab")
    assert not [l for l in links(host) if l["ifname"] == "tb-lab"]
    assert nft_table(host) is None
    missing = taper_in(host, store, "network", "inspect", "lab", check=False)
    assert 'network "lab" not found' in missing.stderr


def wait_http(ns, url, expect):
    code = ("import sys, urllib.request\n"
            "print(urllib.request.urlopen(sys.argv[1], timeout=1).read().decode())")
    last = None
    for _ in range(50):
        last = ns.run(PY, "-c", code, url, check=False)
        if last.returncode == 0:
            assert expect in last.stdout
            return
        time.sleep(0.1)
    raise AssertionError(f"{url}: {last.stderr[-500:]}")


def test_published_port_dnat(taper, host, tmp_path):
    store = taper.store
    tag = "taper:ctr:%s:web1" % lifecycle_util.store_id(store)
    taper_in(host, store, "network", "create", "pub", "--subnet", "10.67.0.0/24", "--nat")
    ctr = Netns(enter=host)
    server = None
    try:
        state = host.run(HELPER, "up", store, "web1", ctr.pid, "pub").stdout
        addr = [l.split(" = ")[1] for l in state.splitlines() if l.startswith("if.0.address")][0]
        ip = addr.split("/")[0]
        assert ip == "10.67.0.2"
        host_veth = [l.split(" = ")[1] for l in state.splitlines() if l.startswith("if.0.host")][0]
        (tmp_path / "index.html").write_text("hello from web1\n")
        server = subprocess.Popen(ctr.cmd([PY, "-m", "http.server", "80", "--bind", ip,
                                           "--directory", str(tmp_path)]),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        host.run(HELPER, "ports", store, "web1", "tb-pub", ip, "8080:80/tcp")

        wait_http(host, f"http://{ip}:80/", "hello from web1")          # direct
        wait_http(host, "http://10.67.0.1:8080/", "hello from web1")    # bridge-side address
        wait_http(host, "http://127.0.0.1:8080/", "hello from web1")    # loopback (route_localnet)

        rules = [i["rule"] for i in nft_table(host) if "rule" in i]
        by_comment = {}
        for r in rules:
            by_comment.setdefault(r.get("comment"), []).append(r)
        masq = by_comment["taper:bridge:tb-pub:masq"][0]
        assert masq["chain"] == "postrouting"
        assert any("masquerade" in e for e in masq["expr"])
        assert {r["chain"] for r in by_comment[tag]} == {"prerouting", "output"}
        assert any("dnat" in e for e in by_comment[tag][0]["expr"])

        # Stop: the container's rules and lease go, the bridge's stay.
        host.run(HELPER, "down", store, "web1")
        rules = [i["rule"] for i in nft_table(host) if "rule" in i]
        assert not [r for r in rules if r.get("comment") == tag]
        assert [r for r in rules if r.get("comment", "").startswith("taper:bridge:tb-pub")]
        assert not [l for l in links(host) if l["ifname"] == host_veth]
        assert not os.path.exists(lifecycle_util.lease_dir(host.cmd([]), "tb-pub"))
    finally:
        if server:
            server.kill()
            server.wait()
        ctr.close()
    taper_in(host, store, "network", "rm", "pub")
    assert nft_table(host) is None
    assert not [l for l in links(host) if l["ifname"].startswith(("vt", "tb-"))]
