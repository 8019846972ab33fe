"""containerd 1.6 and its runc shim (containerd-shim-runc-v2, go-runc)
with taper-oci as the runc binary (`ctr run --runc-binary`), and runc
beside it. containerd runs from a script in a mount namespace of its own
with a tmpfs over /run (the shim's sockets and runtime root are fixed
under /run/containerd), its root, state and sockets under the test's directory.
The image is the busybox rootfs through `podman import` and `podman save
--format oci-archive`. Skipped without containerd, ctr or podman."""
import os
import shutil
import subprocess
import tarfile

import pytest

from conftest import RUNC, TAPER_OCI, remove_cgroups, store_id

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("containerd", "ctr", "podman", "unshare")),
    reason="containerd, ctr or podman not installed")

SCRIPT = r"""
set -u
B=$1; RT=$2; CG=$3
mount -t tmpfs tmpfs /run || exit 1
cat > $B/config.toml <<CONF
version = 2
root = "$B/root"
state = "$B/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$B/c.sock"
[ttrpc]
  address = "$B/c.ttrpc"
[debug]
  address = "$B/debug.sock"
CONF
containerd --config $B/config.toml > $B/containerd.log 2>&1 &
CTD=$!
C="ctr --address $B/c.sock"
for i in $(seq 100); do $C version >/dev/null 2>&1 && break; sleep 0.1; done
$C image import --base-name localhost/bb $B/bb.tar >/dev/null
$C run --runc-binary $RT --cgroup $CG/t1 --rm localhost/bb:latest t1 sh -c 'echo hi-from-ctr; exit 3'
echo "rc1=$?"
$C run --runc-binary $RT --cgroup $CG/t2 -d localhost/bb:latest t2 sleep 1000 >/dev/null
echo "tasks=$($C task ls | awk '$1 == "t2" {print $3}')"
echo "exec=$($C task exec --exec-id e1 t2 sh -c 'echo in-t2')"
$C task pause t2
echo "paused=$($C task ls | awk '$1 == "t2" {print $3}')"
$C task resume t2
echo "ps=$($C task ps t2 | tail -n +2 | wc -l)"
$C task kill -s KILL t2
for i in $(seq 100); do [ "$($C task ls | awk '$1 == "t2" {print $3}')" = STOPPED ] && break; sleep 0.05; done
echo "stopped=$($C task ls | awk '$1 == "t2" {print $3}')"
$C task rm t2 >/dev/null
$C container rm t2
kill $CTD; wait $CTD
"""


@pytest.fixture(scope="module")
def oci_archive(tmp_path_factory, busybox_rootfs):  # noqa: F811
    base = tmp_path_factory.mktemp("image")
    tar = base / "rootfs.tar"
    with tarfile.open(tar, "w") as t:
        t.add(busybox_rootfs, arcname=".")
    pm = ["podman", "--root", f"{base}/root", "--runroot", f"{base}/runroot", "--tmpdir", f"{base}/tmp",
          "--storage-driver", "vfs", "--events-backend", "file"]
    env = dict(os.environ, CONTAINERS_CONF="/dev/null")
    subprocess.run(pm + ["import", str(tar), "localhost/bb:latest"], check=True, capture_output=True, env=env)
    subprocess.run(pm + ["save", "--format", "oci-archive", "-o", f"{base}/bb.tar", "localhost/bb:latest"],
                   check=True, capture_output=True, env=env)
    yield f"{base}/bb.tar"
    subprocess.run(pm + ["rmi", "--all", "--force"], capture_output=True, env=env)


@pytest.mark.parametrize("rt", ["taper-oci"] + (["runc"] if RUNC else []))
def test_ctr_run_exec_pause_kill(rt, tmpdir_root, oci_archive):
    base = os.path.join(tmpdir_root, "containerd")
    os.makedirs(base)
    shutil.copy(oci_archive, os.path.join(base, "bb.tar"))
    binary = TAPER_OCI if rt == "taper-oci" else RUNC
    # runc makes the group ctr names (/default/<id> unless told): inside
    # taper's subtree, under the test's id, removed after.
    sid = store_id(base)
    try:
        r = subprocess.run(["unshare", "-m", "sh", "-c", SCRIPT, "sh", base, binary, f"/taper/{sid}/ctr"],
                           capture_output=True, text=True, timeout=300)
    finally:
        remove_cgroups(sid)
    out = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
    assert "hi-from-ctr" in r.stdout, (rt, r.stdout, r.stderr)
    assert out.get("rc1") == "3", (rt, r.stdout, r.stderr)
    assert out.get("tasks") == "RUNNING", (rt, r.stdout, r.stderr)
    assert out.get("exec") == "in-t2", (rt, r.stdout, r.stderr)
    assert out.get("paused") == "PAUSED", (rt, r.stdout, r.stderr)
    assert int(out.get("ps", "0")) >= 1
    assert out.get("stopped") == "STOPPED", (rt, r.stdout, r.stderr)
