"""The guard of conftest.py (host_guard.py) fails a run that changes the
host and passes one that leaves it alone, also with a demo container,
its bridge and NAT already there.

Each case is a pytest run of its own inside fresh UTS, network and mount
namespaces (a tmpfs over /sys/fs/cgroup and /run there), which stand in
for the host: the real one is never touched.
"""
import os
import subprocess
import textwrap

from conftest import ROOT, store_id
from host_guard import store_id as guard_store_id, veth_prefix

DEFAULT = store_id("/var/lib/taper")
GROUPS = f"/sys/fs/cgroup/pids/taper/{DEFAULT}"

# The stand-in host as `make demo` leaves it: a running container's group,
# the bridge, the masquerade table, ip_forward on.
SETUP = f"""
mount -t tmpfs none /sys/fs/cgroup && mkdir -p {GROUPS}/una-caja
mount -t tmpfs none /run
ip link add taperbr0 type bridge && ip link set lo up
nft add table ip taper
sysctl -qw net.ipv4.ip_forward=1
hostname stand-in
exec "$@"
"""

HEADER = f"""
import os, socket, subprocess
from host_guard import store_id as guard_store_id, veth_prefix
D = os.environ["GUARD_DIR"]
GROUPS = {GROUPS!r}
def sh(*argv):
    subprocess.run(argv, check=True)
"""

LEAKS = """
def test_renames_the_host():
    socket.sethostname("renamed-by-a-test")
def test_mounts():
    sh("mount", "-t", "tmpfs", "none", D + "/mnt")
def test_adds_a_link():
    sh("ip", "link", "add", "tpguard0", "type", "bridge")
def test_adds_a_table():
    sh("nft", "add", "table", "inet", "tpguard")
def test_sets_a_sysctl():
    with open("/proc/sys/net/ipv4/conf/lo/route_localnet", "w") as f:
        f.write("1")
def test_adds_a_veth_of_a_watched_store():
    sh("ip", "link", "add", veth_prefix(guard_store_id(D + "/store"), "box") + "0", "type", "bridge")
def test_removes_the_bridge():
    sh("ip", "link", "del", "taperbr0")
def test_leaves_a_group_in_the_default_store():
    os.mkdir(GROUPS + "/leak")
def test_removes_a_group_of_the_default_store():
    os.rmdir(GROUPS + "/una-caja")
"""

# What comes and goes by design: a test store's groups (even left behind),
# the unit suite's taper/test-<pid> groups (another run's too),
# named network namespaces, runtime directories, groups a container's own
# init makes below its group, the veth of a container of another store
# (another run's), a link in a namespace of the test's own.
CALM = """
def test_test_store_groups():
    os.makedirs("/sys/fs/cgroup/pids/taper/0123456789abcdef/c1")
def test_unit_suite_groups():
    os.makedirs("/sys/fs/cgroup/pids/taper/test-4242/oom")
def test_named_netns():
    sh("ip", "netns", "add", "taper-guard")
def test_runtime_dir():
    os.makedirs("/run/taper/0123456789abcdef/c1")
def test_groups_below_a_container():
    os.mkdir(GROUPS + "/una-caja/init.scope")
def test_veth_of_another_store():
    sh("ip", "link", "add", veth_prefix(guard_store_id("/elsewhere"), "box") + "0", "type", "bridge")
def test_link_in_a_netns_of_its_own():
    sh("ip", "netns", "exec", "taper-guard", "ip", "link", "add", "tpguard0", "type", "bridge")
"""


def guarded_run(tmp_path, body):
    d = tmp_path / "case"
    (d / "mnt").mkdir(parents=True)
    (d / "store" / "box").mkdir(parents=True)  # TAPER_PATH, watched as the default store is
    (d / "test_case.py").write_text(textwrap.dedent(HEADER) + body)
    # The stand-in's network namespace is the host's to the guard.
    env = dict(os.environ, GUARD_DIR=str(d), TAPER_NETNS="", PYTHONPATH=os.path.join(ROOT, "tests", "cli"),
               TAPER_PATH=str(d / "store"))
    argv = ["unshare", "--uts", "--net", "--mount", "--propagation", "private",
            "sh", "-ec", SETUP, "sh",
            "/usr/bin/python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "conftest",
            "--rootdir", str(d), str(d / "test_case.py")]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)


def test_a_run_that_changes_the_host_fails_naming_each_change(tmp_path):
    p = guarded_run(tmp_path, LEAKS)
    assert p.returncode != 0, p.stdout + p.stderr
    assert "9 passed" in p.stdout, p.stdout + p.stderr
    assert "\nthe test run changed the host:\n" in p.stdout, p.stdout
    d = tmp_path / "case"
    for line in ["hostname: 'stand-in' -> 'renamed-by-a-test'",
                 f"mount point added: {d}/mnt",
                 "link added: tpguard0",
                 f"link added: {veth_prefix(guard_store_id(str(d / 'store')), 'box')}0",
                 "link removed: taperbr0",
                 "nftables table added: inet tpguard",
                 "sysctl net/ipv4/conf/lo/route_localnet: '0' -> '1'",
                 f"cgroup added: {GROUPS}/leak",
                 f"cgroup removed: {GROUPS}/una-caja"]:
        assert "\n  " + line + "\n" in p.stdout, (line, p.stdout)


def test_a_run_that_leaves_the_host_alone_passes(tmp_path):
    p = guarded_run(tmp_path, CALM)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "7 passed" in p.stdout and "changed the host" not in p.stdout, p.stdout
