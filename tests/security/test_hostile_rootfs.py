"""A container (or an image) plants files where the host side, as root,
reads or writes: /etc/hosts and /etc/resolv.conf (written by the monitor
at each start), an image's /etc/passwd (read by `taper create -t oci`), a
sparse file (copied by `taper clone`).

A fifo there must never hang a verb, a device node must never be opened
(its driver's open() would run as host root, outside the device cgroup), a
symlink must never be written through, and a file with holes must not
become a full one. Every verb runs under a subprocess timeout: a hang
fails the test instead of wedging the suite.
"""
import os
import stat
import tarfile

import pytest

import lifecycle_util
from test_create import FAKE_DEBOOTSTRAP, Layout, add, store_entries, tar_bytes
from test_network_e2e import netns, nt  # noqa: F401 (fixtures)

HANG = 60  # seconds; a start takes well under one here


def rootfs(t, name):
    return os.path.join(t.store, name, "rootfs")


def release_fifo(path):
    """Let a process blocked opening the fifo at path go (old code)."""
    try:
        if stat.S_ISFIFO(os.lstat(path).st_mode):
            fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
            os.close(fd)
    except OSError:
        pass


def plant(path, kind, host_file):
    if os.path.lexists(path):
        os.unlink(path)
    if kind == "fifo":
        os.mkfifo(path, 0o644)
    elif kind == "chardev":
        os.mknod(path, 0o644 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null
    elif kind == "symlink":
        os.symlink(host_file, path)


def check_untouched(path, kind, host_file, root):
    st = os.lstat(path)
    if kind == "fifo":
        assert stat.S_ISFIFO(st.st_mode)
    elif kind == "chardev":
        assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
    elif kind == "symlink":
        assert os.readlink(path) == host_file
        # Neither the host's file nor the one the link names in the root.
        for p in (host_file, os.path.join(root, host_file.lstrip("/"))):
            with open(p) as f:
                assert f.read() == "precious\n", p


@pytest.mark.parametrize("target", ["etc/hosts", "etc/resolv.conf"])
@pytest.mark.parametrize("kind", ["fifo", "chardev", "symlink"])
def test_start_leaves_a_planted_etc_file_alone(nt, tmpdir_root, target, kind):
    host_file = os.path.join(tmpdir_root, "host-file")
    with open(host_file, "w") as f:
        f.write("precious\n")
    nt.ok("create", "c1", "-t", "busybox")
    root = rootfs(nt, "c1")
    # The link's target exists inside the root as well: written through,
    # the copy there would change.
    os.makedirs(os.path.dirname(os.path.join(root, host_file.lstrip("/"))))
    with open(os.path.join(root, host_file.lstrip("/")), "w") as f:
        f.write("precious\n")
    path = os.path.join(root, target)
    plant(path, kind, host_file)
    try:
        r = nt("start", "c1", timeout=HANG)
    finally:
        release_fifo(path)
    check_untouched(path, kind, host_file, root)
    # Either one clear line, or a start that says what it left alone.
    if r.returncode != 0:
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and f"/{target}: " in lines[0] and "not a regular file" in lines[0], r
    else:
        log = os.path.join(lifecycle_util.runtime_dir(nt.store, "c1"), "console.log")
        with open(log, errors="replace") as f:
            assert f"/{target}: " in f.read(), "no word of the file left alone"
    nt.ok("stop", "-k", "c1", timeout=HANG)
    nt.ok("destroy", "-f", "c1", timeout=HANG)
    assert not os.path.lexists(os.path.join(nt.store, "c1"))
    assert lifecycle_util.leftovers(nt.store) == {}


# --- oci: the image's /etc/passwd, read to resolve its User --------------

def hostile_passwd(kind):
    def layer(t):
        add(t, "etc", "dir")
        ti = tarfile.TarInfo("etc/passwd")
        ti.mode = 0o644
        if kind == "fifo":
            ti.type = tarfile.FIFOTYPE
        else:
            ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 1, 3
        t.addfile(ti)
    return layer


@pytest.mark.parametrize("kind", ["fifo", "chardev"])
def test_oci_passwd_not_a_regular_file(taper, tmpdir_root, kind):
    lay = Layout(os.path.join(tmpdir_root, "img"))
    layer = lay.blob(tar_bytes(hostile_passwd(kind)), "application/vnd.oci.image.layer.v1.tar")
    cfg = lay.json_blob({"architecture": "amd64", "os": "linux",
                         "config": {"Cmd": ["/bin/sh"], "User": "app"},
                         "rootfs": {"type": "layers", "diff_ids": []}},
                        "application/vnd.oci.image.config.v1+json")
    manifest = lay.json_blob({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                              "config": cfg, "layers": [layer]},
                             "application/vnd.oci.image.manifest.v1+json")
    lay.index([manifest])
    cache = os.path.join(tmpdir_root, "cache")
    r = taper("create", "o1", "-t", "oci", "--image", lay.path, env={"TAPER_CACHE": cache}, timeout=HANG)
    assert r.returncode == 1, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r
    assert "/etc/passwd: a %s, not a regular file" % ("fifo" if kind == "fifo" else "character device") \
        in lines[0], r
    assert store_entries(taper) == []


# --- debian: a tree from a mirror, post-processed as root ----------------

def hostile_debootstrap(tmpdir_root, extra):
    """The fake debootstrap of test_create, with extra shell at the end."""
    path = os.path.join(tmpdir_root, "debootstrap")
    with open(path, "w") as f:
        f.write(FAKE_DEBOOTSTRAP.replace('echo init > "$target/sbin/init"\n',
                                         'echo init > "$target/sbin/init"\n' + extra + "\n"))
    os.chmod(path, 0o755)
    return {"TAPER_DEBOOTSTRAP": path, "TAPER_CACHE": os.path.join(tmpdir_root, "cache"),
            "FAKE_PIDFILE": os.path.join(tmpdir_root, "fake.pid"),
            "FAKE_ARGS": os.path.join(tmpdir_root, "fake.args")}


def test_debian_fifo_hostname_fails_create(taper, tmpdir_root):
    env = hostile_debootstrap(tmpdir_root, 'mkfifo "$target/etc/hostname"')
    r = taper("create", "d1", "-t", "debian", "--release", "bookworm", env=env, timeout=HANG)
    assert r.returncode == 1, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "/etc/hostname: a fifo, not a regular file" in lines[0], r
    assert store_entries(taper) == []


def test_debian_unit_masks_stay_in_the_root(taper, tmpdir_root):
    """etc/systemd a symlink to a host directory: the masks (unlink, then
    a symlink to /dev/null) must land inside the root, not there."""
    host_dir = os.path.join(tmpdir_root, "host-systemd")
    os.makedirs(os.path.join(host_dir, "system"))
    unit = os.path.join(host_dir, "system", "systemd-udevd.service")
    with open(unit, "w") as f:
        f.write("precious\n")
    env = hostile_debootstrap(tmpdir_root, f'rm -rf "$target/etc/systemd"; ln -s {host_dir} "$target/etc/systemd"')
    taper.ok("create", "d1", "-t", "debian", "--release", "bookworm", env=env, timeout=HANG)
    assert os.listdir(os.path.join(host_dir, "system")) == ["systemd-udevd.service"]
    with open(unit) as f:
        assert f.read() == "precious\n"


# --- clone: holes stay holes ---------------------------------------------

def test_clone_keeps_a_sparse_file_sparse(taper):
    taper.ok("create", "src", "-t", "busybox")
    size = 256 << 20
    path = os.path.join(taper.store, "src", "rootfs", "sparse")
    with open(path, "wb") as f:
        f.write(b"head")
        f.seek(size // 2)
        f.write(b"middle")
        f.truncate(size)
    taper.ok("clone", "src", "dst", timeout=HANG)
    copy = os.path.join(taper.store, "dst", "rootfs", "sparse")
    st = os.stat(copy)
    assert st.st_size == size
    # The data (three blocks at most) and nothing of the holes.
    assert st.st_blocks * 512 <= 1 << 20, st
    with open(copy, "rb") as f:
        assert f.read(4) == b"head"
        f.seek(size // 2)
        assert f.read(6) == b"middle"
