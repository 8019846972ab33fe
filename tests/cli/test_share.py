"""namespaces.share.TYPE = CONTAINER: a system container that joins a
namespace of another running one (LXC's lxc.namespace.share, a pod's shared
network). Every taper command runs inside a network namespace this module
creates (see test_network_e2e), so bridges and veths live there."""
import json
import os

import lifecycle_util
from test_network_e2e import create, inside_addr, netns, nt  # noqa: F401 (fixtures)


def ns_of(t, name, kind):
    """/proc/self/ns/<kind> as the container's processes see it."""
    return t.ok("attach", name, "--", "readlink", f"/proc/self/ns/{kind}").stdout.strip()


def state(t, name):
    return [c for c in json.loads(t.ok("ls", "--format", "json").stdout)
            if c["name"] == name][0]["state"]


def sharer(t, name, *lines):
    """A busybox container without interfaces of its own."""
    create(t, name)
    t.ok("config", name, "--unset", "net.0.link")
    t.ok("config", name, "--unset", "net.0.type")
    for line in lines:
        key, value = [x.strip() for x in line.split("=", 1)]
        t.ok("config", name, key, value)


def test_share_the_network_of_a_running_container(nt):  # noqa: F811
    create(nt, "web")
    sharer(nt, "side", "namespaces.share.net = web", "namespaces.share.ipc = web")
    # Not before the one it shares with runs; nothing is left of the try.
    r = nt("start", "side")
    assert r.returncode == 1
    assert r.stderr == ('taper: start: container "side": namespaces.share.ipc: '
                        'container "web" is not running\n'), r
    assert state(nt, "side") == "STOPPED"
    assert lifecycle_util.leftovers(nt.store) == {}

    nt.ok("start", "web")
    nt.ok("start", "side")
    assert inside_addr(nt, "side") == inside_addr(nt, "web")
    for kind in ("net", "ipc"):
        assert ns_of(nt, "side", kind) == ns_of(nt, "web", kind)
    for kind in ("uts", "pid", "mnt"):
        assert ns_of(nt, "side", kind) != ns_of(nt, "web", kind)
    assert nt.ok("attach", "side", "--", "hostname").stdout.strip() == "side"
    # The monitors went back to the namespace they started in.
    own = "net:[%d]" % os.stat(f"/run/netns/{nt.netns}").st_ino
    monitors = lifecycle_util.monitors_of(nt.store)
    assert len(monitors) == 2
    for pid in monitors:
        assert os.readlink(f"/proc/{pid}/ns/net") == own

    nt.ok("stop", "-k", "side")
    nt.ok("stop", "-k", "web")
    assert lifecycle_util.leftovers(nt.store) == {}


def test_share_the_uts_namespace(nt):  # noqa: F811
    create(nt, "web")
    create(nt, "side")
    r = nt("config", "side", "namespaces.share.uts", "web")
    assert r.returncode == 1 and "remove uts.name" in r.stderr, r
    nt.ok("config", "side", "--unset", "uts.name")
    nt.ok("config", "side", "namespaces.share.uts", "web")
    nt.ok("start", "web")
    nt.ok("start", "side")
    assert nt.ok("attach", "side", "--", "hostname").stdout.strip() == "web"


def test_a_container_cannot_share_with_itself(nt):  # noqa: F811
    sharer(nt, "solo", "namespaces.share.net = solo")
    r = nt("start", "solo")
    assert r.returncode == 1
    assert 'namespaces.share.net: "solo" is this container' in r.stderr, r
    assert lifecycle_util.leftovers(nt.store) == {}


def test_sharing_the_user_namespace_is_refused(nt):  # noqa: F811
    create(nt, "web")
    r = nt("config", "web", "namespaces.share.user", "other")
    assert r.returncode == 1
    assert r.stderr == ("taper: config: namespaces.share.user: sharing the user namespace "
                        "is not supported\n"), r
