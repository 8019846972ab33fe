"""A working directory on the host (the CVE-2024-21626 family), and the
runtime's fds a container process could reach.

The runtime holds fds of host directories (the rootfs, the store, the
cgroup hierarchies) until it execs the container's command. A working
directory of /proc/self/fd/N, reached directly, through a symlink of the
rootfs or through "..", must never land on one of them: whatever the
entry point (taper run, run --init, a system container's init.cwd, an OCI
image's WorkingDir, taper attach), the container fails to start and the
host is untouched. Nor may a container process see such an fd in
/proc/1/fd of a --init container.

Every attack runs a script, /esc.sh, from its working directory: it
appends to ".decoy" and "../.decoy" when they exist (the decoys are host
files beside the rootfs and in the store, world-writable so that even root
of a user namespace could write them) and lists "." and "..". A decoy that
changed, or a listing that shows one, is an escape.
"""
import io
import os
import shutil
import tarfile

import pytest

from conftest import BUSYBOX, make_busybox_rootfs
from lifecycle_util import wait_for
from test_create import Layout
from test_run import PROBE, remove_store_cgroups  # noqa: F401 (autouse fixture)

FDS = range(3, 21)
UNTOUCHED = "untouched\n"

ESC_SH = """\
[ -n "$1" ] && exec > "$1" 2>&1
for p in .decoy ../.decoy; do [ -f "$p" ] && echo pwned >> "$p"; done
/bin/busybox ls -a . ..
echo end
[ -n "$1" ] && while :; do /bin/busybox sleep 1; done
exit 0
"""


def add_escape_script(root):
    with open(os.path.join(root, "esc.sh"), "w") as f:
        f.write(ESC_SH)
    shutil.copy2(PROBE, os.path.join(root, "probe"))


@pytest.fixture
def decoys(taper, tmpdir_root):
    """Host files an escaped process would find: beside the rootfs (the
    rootfs fd's "..") and in the store (the store fd's ".")."""
    paths = [os.path.join(tmpdir_root, ".decoy"), os.path.join(taper.store, ".decoy")]
    for p in paths:
        with open(p, "w") as f:
            f.write(UNTOUCHED)
        os.chmod(p, 0o666)
    return paths


def assert_untouched(decoys, outputs):
    for p in decoys:
        with open(p) as f:
            assert f.read() == UNTOUCHED, f"{p} written from a container"
    for out in outputs:
        assert ".decoy" not in out, f"a container listed a host directory: {out}"


@pytest.fixture
def rootfs(tmpdir_root):
    root = make_busybox_rootfs(os.path.join(tmpdir_root, "rootfs"))
    add_escape_script(root)
    return root


def run(taper, rootfs, *args):
    return taper("run", "--rootfs", rootfs, *args)


def assert_refused(r, cwd):
    assert r.returncode == 125, r
    assert f"chdir to {cwd}: " in r.stderr, r


def run_attacks(taper, rootfs, decoys, cwds, *flags):
    outs = []
    for cwd in cwds:
        r = run(taper, rootfs, *flags, "-w", cwd, "--", "sh", "/esc.sh")
        outs.append(r.stdout)
        assert_untouched(decoys, outs)
        assert_refused(r, cwd)


# --- taper run ----------------------------------------------------------------

def test_run_cwd_proc_self_fd(taper, rootfs, decoys):
    run_attacks(taper, rootfs, decoys, [f"/proc/self/fd/{n}" for n in FDS])


def test_run_cwd_rootfs_symlink_to_proc_fd(taper, rootfs, decoys):
    for n in FDS:
        os.symlink(f"/proc/self/fd/{n}", os.path.join(rootfs, f"esc{n}"))
    run_attacks(taper, rootfs, decoys, [f"/esc{n}" for n in FDS])


def test_run_cwd_proc_fd_by_relative_path(taper, rootfs, decoys):
    """A relative symlink of the rootfs, and ".." in the path itself."""
    os.mkdir(os.path.join(rootfs, "rel"))
    for n in FDS:
        os.symlink(f"../proc/self/fd/{n}", os.path.join(rootfs, "rel", f"esc{n}"))
    run_attacks(taper, rootfs, decoys, [f"/rel/esc{n}" for n in FDS])
    run_attacks(taper, rootfs, decoys, [f"/tmp/../proc/self/../self/fd/{n}" for n in FDS])


def test_run_init_cwd_proc_self_fd(taper, rootfs, decoys):
    run_attacks(taper, rootfs, decoys, [f"/proc/self/fd/{n}" for n in FDS], "--init")


def test_init_holds_no_runtime_fd(taper, rootfs, decoys):
    """--init is a fork of the runtime that never execs: with CAP_SYS_PTRACE
    a container process opens its fds through /proc/1/fd."""
    r = run(taper, rootfs, "--init", "--cap-add", "SYS_PTRACE", "--", "sh", "-c",
            "ls /proc/1/fd; echo --; /probe fds; echo --; "
            "for f in /proc/1/fd/*; do ls -a $f/ $f/.. 2>/dev/null; done; true")
    assert r.returncode == 0, r
    init_fds, probe_fds, _ = r.stdout.split("--\n")
    assert init_fds.split() == ["0", "1", "2"], r
    assert probe_fds.split() == ["0", "1", "2"], r
    assert_untouched(decoys, [r.stdout])


def test_legitimate_cwds_still_work(taper, rootfs):
    os.symlink("../tmp", os.path.join(rootfs, "rel-tmp"))
    os.symlink("/etc", os.path.join(rootfs, "abs-etc"))
    os.symlink("../../../../../tmp", os.path.join(rootfs, "up-tmp"))  # ".." stops at the root
    for flags in ([], ["--init"]):
        for cwd, want in (("/tmp", "/tmp"), ("/rel-tmp", "/tmp"), ("/abs-etc", "/etc"),
                          ("/up-tmp", "/tmp"), ("/tmp/../etc", "/etc"), ("/", "/")):
            r = run(taper, rootfs, *flags, "-w", cwd, "--", "sh", "-c", "pwd -P; readlink /proc/self/cwd")
            assert r.returncode == 0, r
            assert r.stdout.split() == [want, want], (cwd, r)
        r = run(taper, rootfs, *flags, "-w", "/no/such/dir", "--", "true")
        assert_refused(r, "/no/such/dir")
        assert "No such file or directory" in r.stderr, r


# --- system containers ----------------------------------------------------------

def system_container(t, name, *extra):
    """`taper create -t busybox`: a user namespace, kept off the network,
    its init the escape script."""
    t.ok("create", name, "-t", "busybox")
    system_config(t, name, *extra)
    add_escape_script(os.path.join(t.store, name, "rootfs"))


def system_config(t, name, *extra):
    t.ok("config", name, "net.0.type", "empty")
    t.ok("config", name, "--unset", "net.0.link")
    t.ok("config", name, "init.cmd", "/bin/sh /esc.sh /out")
    for kv in extra:
        t.ok("config", name, *kv)


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def start_attack(t, name):
    """Start name; when it starts, its init's output once the script ran."""
    out = os.path.join(t.store, name, "rootfs", "out")
    if os.path.exists(out):
        os.unlink(out)
    r = t("start", name)
    if r.returncode != 0:
        return r, ""
    wait_for(lambda: read(out).endswith("end\n"))
    t("stop", "-k", name)
    return r, read(out)


def test_system_container_init_cwd_proc_fd(sys_taper, decoys):
    t = sys_taper
    system_container(t, "c1")
    outs = []
    for n in FDS:
        cwd = f"/proc/self/fd/{n}"
        t.ok("config", "c1", "init.cwd", cwd)
        r, out = start_attack(t, "c1")
        outs.append(out)
        assert_untouched(decoys, outs)
        assert r.returncode != 0 and f"chdir to {cwd}: " in r.stderr, (cwd, r, out)


def oci_layer(tmpdir_root):
    """Just enough for the escape script: a static busybox as /bin/sh."""
    path = os.path.join(tmpdir_root, "layer.tar")
    with tarfile.open(path, "w") as tar:
        tar.add(BUSYBOX, arcname="bin/busybox")
        link = tarfile.TarInfo("bin/sh")
        link.type, link.linkname = tarfile.SYMTYPE, "busybox"
        tar.addfile(link)
        script = ESC_SH.encode()
        info = tarfile.TarInfo("esc.sh")
        info.size, info.mode = len(script), 0o755
        tar.addfile(info, io.BytesIO(script))
    with open(path, "rb") as f:
        return f.read()


def test_oci_working_dir_proc_fd(sys_taper, tmpdir_root, decoys):
    t = sys_taper
    lay = Layout(os.path.join(tmpdir_root, "img"))
    layer = lay.blob(oci_layer(tmpdir_root), "application/vnd.oci.image.layer.v1.tar")
    tops = []
    for n in FDS:
        cfg = lay.json_blob({"architecture": "amd64", "os": "linux",
                             "config": {"Entrypoint": ["/bin/sh", "/esc.sh", "/out"],
                                        "WorkingDir": f"/proc/self/fd/{n}"},
                             "rootfs": {"type": "layers", "diff_ids": []}},
                            "application/vnd.oci.image.config.v1+json")
        man = lay.json_blob({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                             "config": cfg, "layers": [layer]},
                            "application/vnd.oci.image.manifest.v1+json")
        tops.append(dict(man, annotations={"org.opencontainers.image.ref.name": f"fd{n}"}))
    lay.index(tops)
    outs = []
    for n in FDS:
        name = f"o{n}"
        t.ok("create", name, "-t", "oci", "--image", f"{lay.path}:fd{n}",
             env={"TAPER_CACHE": os.path.join(tmpdir_root, "cache")})
        system_config(t, name)
        assert t.ok("config", name, "init.cwd").stdout == f"/proc/self/fd/{n}\n"
        r, out = start_attack(t, name)
        outs.append(out)
        assert_untouched(decoys, outs)
        assert r.returncode != 0 and f"chdir to /proc/self/fd/{n}: " in r.stderr, (n, r, out)
        t.ok("destroy", "-f", name)


def test_attach_cwd_replaced_by_proc_fd_symlink(sys_taper, decoys):
    """The container turns its own init.cwd into a symlink to
    /proc/self/fd/N: every later attach, and every later start, would
    begin on the host."""
    t = sys_taper
    system_container(t, "c1", ("init.cwd", "/srv"))
    os.mkdir(os.path.join(t.store, "c1", "rootfs", "srv"))
    t.ok("config", "c1", "init.cmd", "/bin/sh -c 'while :; do sleep 1; done'")
    t.ok("start", "c1")
    outs = []
    for n in FDS:
        t.ok("attach", "c1", "--cwd", "/", "--", "sh", "-c", f"rm -rf /srv; ln -s /proc/self/fd/{n} /srv")
        for cwd in ([], ["--cwd", "/srv"]):
            r = t("attach", "c1", *cwd, "--", "sh", "/esc.sh")
            outs.append(r.stdout)
            assert_untouched(decoys, outs)
            assert r.returncode == 125 and "chdir to /srv: " in r.stderr, (n, r)
    t.ok("stop", "-k", "c1")
    t.ok("config", "c1", "init.cmd", "/bin/sh /esc.sh /out")
    r, out = start_attack(t, "c1")
    assert_untouched(decoys, outs + [out])
    assert r.returncode != 0 and "chdir to /srv: " in r.stderr, (r, out)


def test_system_and_attach_cwds_still_work(sys_taper):
    t = sys_taper
    system_container(t, "c1", ("init.cwd", "/srv"))
    root = os.path.join(t.store, "c1", "rootfs")
    os.mkdir(os.path.join(root, "srv"))
    os.symlink("../srv", os.path.join(root, "rel-srv"))
    t.ok("config", "c1", "init.cmd", "/bin/sh -c 'while :; do sleep 1; done'")
    t.ok("start", "c1")
    r = t.ok("attach", "c1", "--", "sh", "-c", "pwd; readlink /proc/1/cwd")
    assert r.stdout.split() == ["/srv", "/srv"], r
    r = t.ok("attach", "c1", "--cwd", "/rel-srv", "--", "sh", "-c", "pwd -P; /probe fds")
    assert r.stdout.split() == ["/srv", "0", "1", "2"], r
    r = t("attach", "c1", "--cwd", "/no/such", "--", "true")
    assert r.returncode == 125 and "chdir to /no/such: No such file or directory" in r.stderr, r
    t.ok("stop", "-k", "c1")
