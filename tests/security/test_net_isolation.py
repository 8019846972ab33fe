"""Network isolation attacks against system containers on a taper bridge.

Every taper command and every probe runs inside network namespaces these
tests create (the fixtures of tests/cli/test_network_e2e.py): one plays
the host, with its own loopback, bridge and nftables table; a neighbour,
when a test needs one, is another namespace wired to it by a veth. The
host's own namespace, links, sysctls and nftables are never touched.
"""
import json
import os
import random
import subprocess

import pytest

from test_network_e2e import (PY, assert_failed_cleanly, create, netns, nt,  # noqa: F401
                              start_httpd)

# A UDP service bound to the host's loopback only: prints "ready", then
# the source address of every datagram, until one says "end".
UDP_LISTENER = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
while True:
    d, a = s.recvfrom(2048)
    print(a[0], d[:4].hex(), flush=True)
    if d == b"end":
        break
"""

SEND = ("import socket, sys\n"
        "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'end', ('127.0.0.1', int(sys.argv[1])))")

# What an attacker with CAP_NET_ADMIN in its own network namespace (root
# of any system container) does to send to the host's 127.0.0.1: drop
# its own loopback routes, route 127.0.0.1 through its gateway.
ROUTE_LOOPBACK_VIA_GATEWAY = (
    "ip route del table local local 127.0.0.0/8 dev lo && "
    "ip route del table local local 127.0.0.1 dev lo && "
    "ip route add 127.0.0.1/32 via {gw} && ip route get 127.0.0.1")


def test_container_cannot_reach_host_loopback_service(nt):
    """CVE-2020-8558: route_localnet on the bridge (needed for ports
    published on 127.0.0.1) must not deliver a container's packets to
    the host's loopback-only services."""
    port = 7000 + random.randrange(1000)
    create(nt, "evil", "net.port = 127.0.0.1:8095:80")
    nt.ok("start", "evil")
    listener = subprocess.Popen(nt.cmd([PY, "-c", UDP_LISTENER, port]), stdout=subprocess.PIPE,
                                text=True)
    try:
        assert listener.stdout.readline() == "ready\n"
        r = nt.ok("attach", "evil", "--", "sh", "-c",
                  ROUTE_LOOPBACK_VIA_GATEWAY.format(gw="10.0.3.1"))
        assert "via 10.0.3.1 dev eth0" in r.stdout, r
        # busybox tftp sends a read request (UDP) to 127.0.0.1:port and
        # waits for an answer that never comes.
        nt("attach", "evil", "--", "timeout", "2", "tftp", "-g", "-r", "probe", "127.0.0.1",
           str(port))
        # The host's own datagram, after the container's: the listener
        # stops at it and has seen whatever came before.
        nt.sh(PY, "-c", SEND, str(port))
        out, _ = listener.communicate(timeout=30)
    finally:
        listener.kill()
        listener.wait()
    seen = out.splitlines()
    assert seen == ["127.0.0.1 656e64"], f"the host's loopback service got {seen}"

    # The reason route_localnet is on still works: the port published on
    # the host's 127.0.0.1 answers the host.
    start_httpd(nt, "evil", "published on loopback\n")
    assert nt.http("http://127.0.0.1:8095/").stdout == "published on loopback\n"
    # And the drop belongs to the bridge's rules.
    assert "taper:bridge:taperbr0:localnet" in {r.get("comment") for r in nt.rules()}


@pytest.fixture
def neighbour(nt):
    """Another namespace on a link to the host namespace, 192.168.77.2/24
    to the host's .1, that routes 127.0.0.0/8 to the host and accepts
    answers from 127/8 (route_localnet on its own link): a machine on the
    host's LAN set up to attack it."""
    name = f"{nt.netns}n"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        nt.sh("ip", "link", "add", "tnb0", "type", "veth", "peer", "name", "tnb1", "netns", name)
        nt.sh("ip", "addr", "add", "192.168.77.1/24", "dev", "tnb0")
        nt.sh("ip", "link", "set", "tnb0", "up")

        def sh(*argv, check=True):
            p = subprocess.run(["ip", "netns", "exec", name] + [str(a) for a in argv],
                               capture_output=True, text=True, timeout=60)
            assert not check or p.returncode == 0, (argv, p.stdout, p.stderr)
            return p

        # lo stays down: no local 127/8 routes of its own.
        sh("ip", "addr", "add", "192.168.77.2/24", "dev", "tnb1")
        sh("ip", "link", "set", "tnb1", "up")
        sh("ip", "route", "add", "127.0.0.0/8", "via", "192.168.77.1")
        sh("sysctl", "-qw", "net.ipv4.conf.tnb1.route_localnet=1")
        yield sh
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def test_port_published_on_loopback_unreachable_from_neighbour(nt, neighbour):
    """A port published on 127.0.0.1 is the host's own: a neighbour that
    routes 127.0.0.1 to the host must not reach it (a DNAT in prerouting
    would take the packet before routing calls it martian)."""
    create(nt, "web", "net.port = 127.0.0.1:8096:80", "net.port = 8097:80")
    nt.ok("start", "web")
    start_httpd(nt, "web", "hello\n")
    assert nt.http("http://127.0.0.1:8096/").stdout == "hello\n"
    get = ("import sys, urllib.request\n"
           "print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode(), end='')")
    # The neighbour reaches the host: the port published on every address.
    assert neighbour(PY, "-c", get, "http://192.168.77.1:8097/").stdout == "hello\n"
    r = neighbour(PY, "-c", get, "http://127.0.0.1:8096/", check=False)
    assert r.returncode != 0 and "hello" not in r.stdout, r


def link(t, name):
    """The link of that name in t's namespace, None when there is none."""
    p = t.sh("ip", "-j", "link", "show", "dev", name, check=False)
    if p.returncode != 0:
        return None
    addrs = json.loads(t.sh("ip", "-j", "-4", "addr", "show", "dev", name).stdout)
    return dict(json.loads(p.stdout)[0], addr_info=addrs[0]["addr_info"] if addrs else [])


def test_veth_pair_never_takes_a_host_interface(nt):
    """net.N.veth.pair naming an interface of the host (a typo: the
    uplink) is refused at config time and at start, and the interface
    keeps its address and stays up; only links marked as the container's
    own are ever deleted."""
    # The uplink, a veth as the container's own host end would be: its
    # kind proves nothing, only the mark does.
    nt.sh("ip", "link", "add", "uplink0", "type", "veth", "peer", "name", "uplink0p")
    nt.sh("ip", "addr", "add", "192.168.78.1/24", "dev", "uplink0")
    nt.sh("ip", "link", "set", "uplink0", "up")
    create(nt, "typo")
    config = os.path.join(nt.store, "typo", "config")
    before = open(config).read()
    r = nt("config", "typo", "net.0.veth.pair", "uplink0")
    assert r.returncode != 0, r
    assert "net.0.veth.pair: interface uplink0 exists on the host and is not container typo's" in r.stderr, r
    assert len(r.stderr.strip().splitlines()) == 1, r
    assert open(config).read() == before

    # A hand-edited config (or a link made after `taper config`): the
    # start refuses, naming the key and the interface, and leaves nothing.
    with open(config, "a") as f:
        f.write("net.0.veth.pair = uplink0\n")
    r = nt("start", "typo")
    assert r.returncode != 0, r
    assert "net.0.veth.pair: interface uplink0 exists on the host and is not container typo's" in r.stderr, r
    assert len(r.stderr.strip().splitlines()) == 1, r
    up = link(nt, "uplink0")
    assert up and "UP" in up["flags"], up
    assert [a["local"] for a in up["addr_info"]] == ["192.168.78.1"]
    assert_failed_cleanly(nt, "typo")

    # A name of its own works, is marked, and is the container's to reuse
    # and to delete; another container naming it is refused and leaves it.
    nt.ok("config", "typo", "net.0.veth.pair", "vp-typo")
    nt.ok("start", "typo")
    own = link(nt, "vp-typo")
    assert own and own.get("ifalias") == nt.tag("typo"), own
    nt.ok("config", "typo", "net.0.veth.pair", "vp-typo")
    create(nt, "thief")
    with open(os.path.join(nt.store, "thief", "config"), "a") as f:
        f.write("net.0.veth.pair = vp-typo\n")
    r = nt("start", "thief")
    assert r.returncode != 0, r
    assert "net.0.veth.pair: interface vp-typo exists on the host and is not container thief's" in r.stderr, r
    assert link(nt, "vp-typo")["ifindex"] == own["ifindex"]
    assert nt("attach", "typo", "--", "ping", "-c1", "-W2", "10.0.3.1").returncode == 0
    nt.ok("stop", "typo")
    assert link(nt, "vp-typo") is None
    assert link(nt, "uplink0") is not None
