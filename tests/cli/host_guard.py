"""What a test run must leave on the host as it found it.

snapshot() reads the host's state that no test may change: the hostname,
the mount points of this mount namespace, the links and nftables tables of
this network namespace, a set of sysctls, and taper's cgroups outside test
stores. differences(before, after) names each change, one line each.

What comes and goes by design is left out: the runtime directories under
/run/taper, the named network namespaces of tests (/run/netns, also those
of other test runs on the same host), and the cgroups of any store but the
default one (and TAPER_PATH's): every test has its own store, whose
groups live and die with it; likewise the unit suite's "taper/test-<pid>"
groups (tests/unit/test_cgroup_real.c), of this run or another. Container groups are read two levels deep
(taper/<store-id>/<name>), not below, where a running system container's
own init makes and removes groups as it pleases. The host ends of veths
("vt<hash of store and container>-<i>") count only for containers of the
watched stores and of the stores the run made (ignore_veths()): others
are another run's, on a host that runs several at once.

A run in a network namespace of its own (scripts/in-netns, as make check
runs the suites, says so with TAPER_NETNS=own) cannot reach the host's network at all: its links,
nftables tables and network sysctls are that namespace's, which the
tests may use as they use their own, and are not compared.
"""
import collections
import glob
import json
import os
import re
import subprocess

SYSCTLS = (
    "kernel/domainname",
    "net/ipv4/ip_forward",
    "net/ipv6/conf/all/forwarding",
    "net/ipv4/conf/all/route_localnet",
    "net/ipv4/conf/default/route_localnet",
    "net/ipv4/ip_unprivileged_port_start",
    "net/ipv4/ping_group_range",
    "user/max_user_namespaces",
)

STORE_ID = re.compile(r"^[0-9a-f]{16}$")
UNIT_GROUP = re.compile(r"^test-[0-9]+$")
VETH = re.compile(r"^(vt[0-9a-f]{10}-)[0-9]+$")


def store_id(store):
    """src/store/store.c store_id_of_path(): FNV-1a-64 of the canonical path."""
    h = 0xcbf29ce484222325
    for b in os.path.realpath(store).encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def veth_prefix(owner, container):
    """src/net/netsetup.c net_veth_host_name() without its index; owner is
    the store's id."""
    h = 14695981039346656037
    for part in (owner.encode(), container.encode()):
        for b in part + b"\0":
            h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return "vt%010x-" % (h & 0xFFFFFFFFFF)


def store_veth_prefixes(store):
    """The veth prefixes of every container now in store."""
    try:
        names = [n for n in os.listdir(store) if not n.startswith(".")]
    except OSError:
        return set()
    return {veth_prefix(store_id(store), n) for n in names}


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def mount_points():
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    return sorted(p for p in points if p != "/run/netns" and not p.startswith("/run/netns/"))


def links():
    out = subprocess.run(["ip", "-j", "link", "show"], capture_output=True, text=True,
                         check=True).stdout
    return sorted(l["ifname"] for l in json.loads(out))


def nft_tables():
    p = subprocess.run(["nft", "-j", "list", "tables"], capture_output=True, text=True)
    if p.returncode != 0:
        return [f"(nft list tables failed: {p.stderr.strip()})"]
    return sorted(f'{i["table"]["family"]} {i["table"]["name"]}'
                  for i in json.loads(p.stdout)["nftables"] if "table" in i)


def sysctls(link_names):
    keys = list(SYSCTLS) + [f"net/ipv4/conf/{l}/route_localnet" for l in link_names]
    return {k: _read(f"/proc/sys/{k}") for k in keys}


def taper_cgroups(watched_stores):
    """Every group under a "taper" root of each hierarchy (v1, hybrid or
    v2), but the store groups not watched, two levels deep."""
    out = []
    for root in glob.glob("/sys/fs/cgroup/taper") + glob.glob("/sys/fs/cgroup/*/taper"):
        for top in sorted(os.listdir(root)) if os.path.isdir(root) else []:
            path = os.path.join(root, top)
            if (not os.path.isdir(path) or UNIT_GROUP.match(top)
                    or (STORE_ID.match(top) and top not in watched_stores)):
                continue
            out.append(path)
            try:
                out += [os.path.join(path, n) for n in sorted(os.listdir(path))
                        if os.path.isdir(os.path.join(path, n))]
            except OSError:
                pass  # removed meanwhile
    return sorted(out)


def ignore_veths(snap, ours):
    """snap without the veths whose prefix is not in ours."""
    def keep(name):
        m = VETH.match(name)
        return not m or m.group(1) in ours
    out = dict(snap)
    if "link" not in snap:  # a network namespace of the run's own
        return out
    out["link"] = [l for l in snap["link"] if keep(l)]
    out["sysctl"] = {k: v for k, v in snap["sysctl"].items()
                     if not k.startswith("net/ipv4/conf/") or keep(k.split("/")[3])}
    return out


def in_host_netns():
    """The run's network namespace is the host's, unless scripts/in-netns
    made it one of its own (TAPER_NETNS=own)."""
    return os.environ.get("TAPER_NETNS") != "own"


def snapshot(watched_stores):
    snap = {
        "hostname": _read("/proc/sys/kernel/hostname"),
        "mount point": mount_points(),
        "cgroup": taper_cgroups(watched_stores),
    }
    if in_host_netns():
        names = links()
        snap.update({"link": names, "nftables table": nft_tables(), "sysctl": sysctls(names)})
    else:
        snap["sysctl"] = {k: v for k, v in sysctls([]).items() if not k.startswith("net/")}
    return snap


def differences(before, after):
    out = []
    for what in before:
        a, b = before[what], after[what]
        if isinstance(a, str) or a is None:
            if a != b:
                out.append(f"{what}: {a!r} -> {b!r}")
        elif isinstance(a, dict):
            for k in sorted(set(a) | set(b)):
                if k in a and k in b and a[k] != b[k]:
                    out.append(f"{what} {k}: {a[k]!r} -> {b[k]!r}")
        else:
            a, b = collections.Counter(a), collections.Counter(b)
            out += [f"{what} added: {k}" for k in sorted(b - a)]
            out += [f"{what} removed: {k}" for k in sorted(a - b)]
    return out
