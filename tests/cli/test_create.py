"""taper create NAME -t TEMPLATE: busybox, tarball, oci, debian (reduced).

Every test has its own store and its own template cache (TAPER_CACHE).
After a failed create the store must hold no container and no hidden
temporary directory.
"""
import gzip
import hashlib
import io
import json
import lzma
import os
import shutil
import signal
import stat
import subprocess
import tarfile
import time

import pytest

from conftest import TAPER


@pytest.fixture
def cache(tmpdir_root):
    d = os.path.join(tmpdir_root, "cache")
    os.mkdir(d)
    return d


@pytest.fixture
def create(taper, cache):
    """create(NAME, TEMPLATE, *opts, env=...) -> Result."""
    def run(name, template, *opts, env=None, ok=True, timeout=120):
        full = {"TAPER_CACHE": cache}
        full.update(env or {})
        r = taper("create", name, "-t", template, *opts, env=full, timeout=timeout)
        if ok:
            assert r.returncode == 0, r
        return r
    return run


def store_entries(taper):
    """Everything in the store but the lock directory."""
    return sorted(e for e in os.listdir(taper.store) if e != ".locks")


def assert_nothing_created(taper):
    assert store_entries(taper) == []


def rootfs(taper, name):
    return os.path.join(taper.store, name, "rootfs")


# --- busybox ---------------------------------------------------------------

def test_busybox_rootfs_runs(taper, create):
    create("bb1", "busybox")
    root = rootfs(taper, "bb1")
    # busybox's `hostname -F` takes the file the template wrote, in a UTS
    # namespace of the container's own (taper run), never the host's.
    out = taper.ok("run", "--rootfs", root, "--hostname", "other", "--cap-add", "SYS_ADMIN", "--",
                   "/bin/sh", "-c", "echo ok; hostname -F /etc/hostname; hostname").stdout
    assert out == "ok\nbb1\n"
    assert os.readlink(os.path.join(root, "sbin", "init")) == "/bin/busybox"
    assert stat.S_IMODE(os.stat(os.path.join(root, "tmp")).st_mode) == 0o1777
    with open(os.path.join(root, "etc", "inittab")) as f:
        inittab = f.read()
    assert "::sysinit:/etc/init.d/rcS" in inittab
    assert "console::respawn:/sbin/getty" in inittab
    cfg = taper.ok("config", "bb1").stdout
    for line in ("rootfs.path = rootfs", "uts.name = bb1", "net.0.type = veth", "net.0.link = taperbr0",
                 "init.cmd = /sbin/init", "stop.signal = SIGPWR"):
        assert line + "\n" in cfg
    assert store_entries(taper) == ["bb1"]


def test_busybox_hostname_from_name_with_underscore(taper, create):
    create("my_box", "busybox")
    assert taper.ok("config", "my_box", "uts.name").stdout == "my-box\n"
    with open(os.path.join(rootfs(taper, "my_box"), "etc", "hostname")) as f:
        assert f.read() == "my-box\n"


def test_busybox_refuses_dynamic_binary(taper, create):
    r = create("bb1", "busybox", "--busybox", "/bin/ls", ok=False)
    assert r.returncode == 2
    assert "dynamically linked" in r.stderr
    assert_nothing_created(taper)


# --- bad input -------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["c1", "-t", "nope"], 'unknown template "nope"'),
    (["../c1", "-t", "busybox"], "invalid container name"),
    ([".hidden", "-t", "busybox"], "invalid container name"),
    (["c1", "-t", "tarball"], 'missing option "--file PATH"'),
    (["c1", "-t", "tarball", "--file", "/nonexistent.tar"], "/nonexistent.tar"),
    (["c1", "-t", "busybox", "--bogus"], 'unknown option "--bogus"'),
    (["c1", "-t", "oci", "--image", "/nonexistent"], "/nonexistent"),
    (["c1"], "missing -t TEMPLATE"),
    (["-t", "busybox"], "missing NAME"),
    (["c1", "c2", "-t", "busybox"], 'unexpected argument "c2"'),
])
def test_bad_input_creates_nothing(taper, cache, args, message):
    r = taper("create", *args, env={"TAPER_CACHE": cache})
    assert r.returncode == 2, r
    assert message in r.stderr
    # One line, and the usage line after a usage error.
    lines = r.stderr.splitlines()
    assert len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("Usage: taper create ")), r
    assert_nothing_created(taper)


def test_existing_name_refused(taper, create):
    create("c1", "busybox")
    before = os.stat(os.path.join(taper.store, "c1", "config")).st_mtime_ns
    r = create("c1", "busybox", ok=False)
    assert r.returncode == 1
    assert 'container "c1" already exists' in r.stderr
    assert store_entries(taper) == ["c1"]
    assert os.stat(os.path.join(taper.store, "c1", "config")).st_mtime_ns == before


def test_help_lists_templates(taper):
    r = taper.ok("create", "--help")
    for t in ("busybox", "tarball", "oci", "debian", "--file PATH", "--image PATH[:TAG]"):
        assert t in r.stdout


# --- tarball ---------------------------------------------------------------

def add(tar, name, kind="file", data=b"", mode=None, target=None, uid=0, gid=0):
    ti = tarfile.TarInfo(name)
    ti.uid, ti.gid = uid, gid
    if kind == "file":
        ti.size = len(data)
        ti.mode = 0o644 if mode is None else mode
        tar.addfile(ti, io.BytesIO(data))
        return
    if kind == "dir":
        ti.type, ti.mode = tarfile.DIRTYPE, 0o755 if mode is None else mode
    elif kind == "symlink":
        ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, target, 0o777
    elif kind == "hardlink":
        ti.type, ti.linkname, ti.mode = tarfile.LNKTYPE, target, 0o644
    tar.addfile(ti)


def sample_tree(tar, prefix=""):
    add(tar, prefix + "etc", "dir")
    add(tar, prefix + "etc/os-release", data=b"ID=sample\n")
    add(tar, prefix + "etc/shadow", data=b"root:*:1::::::\n", mode=0o640, gid=42)
    add(tar, prefix + "usr", "dir")
    add(tar, prefix + "usr/bin", "dir")
    add(tar, prefix + "usr/bin/tool", data=b"#!/bin/sh\n", mode=0o755, uid=1234, gid=4321)
    add(tar, prefix + "bin", "symlink", target="usr/bin")
    add(tar, prefix + "usr/bin/tool2", "hardlink", target=prefix + "usr/bin/tool")


def write_tar(path, build, compression=""):
    mode = "w:" + compression if compression else "w"
    with tarfile.open(path, mode, format=tarfile.PAX_FORMAT) as tar:
        build(tar)
    return path


def check_sample(root):
    with open(os.path.join(root, "etc", "os-release")) as f:
        assert f.read() == "ID=sample\n"
    st = os.stat(os.path.join(root, "usr", "bin", "tool"))
    assert stat.S_IMODE(st.st_mode) == 0o755
    assert (st.st_uid, st.st_gid) == (1234, 4321)
    assert os.stat(os.path.join(root, "usr", "bin", "tool2")).st_ino == st.st_ino
    assert os.readlink(os.path.join(root, "bin")) == "usr/bin"
    st = os.stat(os.path.join(root, "etc", "shadow"))
    assert (stat.S_IMODE(st.st_mode), st.st_gid) == (0o640, 42)


@pytest.mark.parametrize("compression, suffix", [("", ".tar"), ("gz", ".tar.gz"), ("xz", ".tar.xz")])
def test_tarball_formats(taper, create, tmpdir_root, compression, suffix):
    path = write_tar(os.path.join(tmpdir_root, "root" + suffix), sample_tree, compression)
    create("t1", "tarball", "--file", path)
    check_sample(rootfs(taper, "t1"))
    assert taper.ok("config", "t1", "uts.name").stdout == "t1\n"


def test_tarball_zstd(taper, create, tmpdir_root):
    zstd = shutil.which("zstd")
    if not zstd:
        pytest.skip("python has no zstd module and the zstd tool is not installed")
    plain = write_tar(os.path.join(tmpdir_root, "root.tar"), sample_tree)
    subprocess.run([zstd, "-q", plain, "-o", plain + ".zst"], check=True)
    # A misleading name: the compression is detected from the content.
    os.rename(plain + ".zst", os.path.join(tmpdir_root, "root.bin"))
    create("t1", "tarball", "--file=" + os.path.join(tmpdir_root, "root.bin"))
    check_sample(rootfs(taper, "t1"))


def test_tarball_wrapper_directory_stripped(taper, create, tmpdir_root):
    path = write_tar(os.path.join(tmpdir_root, "wrapped.tar.gz"),
                     lambda t: (add(t, "rootfs", "dir"), sample_tree(t, "rootfs/")), "gz")
    create("t1", "tarball", "--file", path)
    check_sample(rootfs(taper, "t1"))
    assert not os.path.exists(os.path.join(rootfs(taper, "t1"), "rootfs"))


def hostile_cases(outside):
    return {
        "dotdot": lambda t: (add(t, "ok", data=b"x"), add(t, "../escaped", data=b"x")),
        "deep-dotdot": lambda t: (add(t, "a", "dir"), add(t, "a/../../escaped", data=b"x")),
        "absolute": lambda t: add(t, outside + "/abs", data=b"x"),
        "symlink-then-write": lambda t: (add(t, "a", "symlink", target=outside), add(t, "a/x", data=b"x")),
        "relative-symlink": lambda t: (add(t, "b", "symlink", target="../../../../../.."),
                                       add(t, "b" + outside + "/rel", data=b"x")),
        "hardlink-out": lambda t: add(t, "h", "hardlink", target="../secret"),
        "hardlink-abs": lambda t: add(t, "h", "hardlink", target=outside + "/secret"),
    }


@pytest.mark.parametrize("case", sorted(hostile_cases("/x").keys()))
def test_tarball_hostile_archive_contained(taper, create, tmpdir_root, case):
    outside = os.path.join(tmpdir_root, "outside")
    os.mkdir(outside)
    secret = os.path.join(outside, "secret")
    with open(secret, "w") as f:
        f.write("secret")
    before = sorted(os.listdir(tmpdir_root))
    path = write_tar(os.path.join(tmpdir_root, "evil.tar"), hostile_cases(outside)[case])
    before.append("evil.tar")
    r = create("evil", "tarball", "--file", path, ok=False)
    assert r.returncode == 1, r
    assert "evil" in r.stderr
    assert os.listdir(outside) == ["secret"]
    assert os.stat(secret).st_nlink == 1
    assert sorted(os.listdir(tmpdir_root)) == sorted(before)
    assert not os.path.exists(os.path.join(taper.store, "..", "escaped"))
    assert_nothing_created(taper)


def test_tarball_not_an_archive(taper, create, tmpdir_root):
    path = os.path.join(tmpdir_root, "junk.tar.gz")
    with open(path, "wb") as f:
        f.write(b"certainly not a tar archive" * 10)
    r = create("j", "tarball", "--file", path, ok=False)
    assert r.returncode == 1
    assert "junk.tar.gz" in r.stderr
    assert_nothing_created(taper)


# --- oci -------------------------------------------------------------------

class Layout:
    """An OCI image layout written by hand: blobs, manifest, index."""

    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.join(path, "blobs", "sha256"))
        with open(os.path.join(path, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)

    def blob(self, data, media_type):
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.path, "blobs", "sha256", digest), "wb") as f:
            f.write(data)
        return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}

    def json_blob(self, obj, media_type):
        return self.blob(json.dumps(obj).encode(), media_type)

    def index(self, manifests):
        with open(os.path.join(self.path, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "manifests": manifests}, f)


def tar_bytes(build, compression=""):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:" + compression if compression else "w") as tar:
        build(tar)
    return buf.getvalue()


def lower_layer(t):
    add(t, "etc", "dir")
    add(t, "etc/passwd", data=b"root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/srv:/bin/sh\n")
    add(t, "etc/group", data=b"root:x:0:\napp:x:1000:\n")
    add(t, "d", "dir")
    add(t, "d/f1", data=b"1")
    add(t, "d/f2", data=b"2")
    add(t, "g", data=b"g")
    add(t, "o", "dir")
    add(t, "o/x", data=b"x")
    add(t, "o/sub", "dir")
    add(t, "o/sub/y", data=b"y")
    add(t, "e", "dir")
    add(t, "e/inner", data=b"i")


def upper_layer(t):
    add(t, "d/.wh.f1")
    add(t, ".wh.g")
    add(t, "o/z", data=b"z")  # before the opaque marker: must survive it
    add(t, "o/.wh..wh..opq")
    add(t, "e", data=b"a file now")
    add(t, "srv", "dir")


IMAGE_CONFIG = {
    "architecture": "amd64", "os": "linux",
    "config": {"Entrypoint": ["/bin/app"], "Cmd": ["--flag", "a b"], "Env": ["PATH=/usr/bin:/bin", "MODE=test"],
               "WorkingDir": "/srv", "User": "app:app"},
    "rootfs": {"type": "layers", "diff_ids": []},
}


def make_layout(path, nested_index=False, upper_compression="", tag="v1"):
    lay = Layout(path)
    l1 = lay.blob(tar_bytes(lower_layer, "gz"), "application/vnd.oci.image.layer.v1.tar+gzip")
    l2 = lay.blob(tar_bytes(upper_layer, upper_compression),
                  "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if upper_compression else ""))
    cfg = lay.json_blob(IMAGE_CONFIG, "application/vnd.oci.image.config.v1+json")
    manifest = lay.json_blob({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                              "config": cfg, "layers": [l1, l2]},
                             "application/vnd.oci.image.manifest.v1+json")
    top = manifest
    if nested_index:
        # Another architecture first: the host's must be picked.
        other = lay.json_blob({"schemaVersion": 2, "config": cfg, "layers": []},
                              "application/vnd.oci.image.manifest.v1+json")
        idx = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
            dict(other, platform={"os": "linux", "architecture": "arm64"}),
            dict(manifest, platform={"os": "linux", "architecture": "amd64"}),
        ]}
        top = lay.json_blob(idx, "application/vnd.oci.image.index.v1+json")
    lay.index([dict(top, annotations={"org.opencontainers.image.ref.name": tag})])
    return lay, l1, l2


def check_oci_result(taper, name):
    root = rootfs(taper, name)
    exists = lambda p: os.path.lexists(os.path.join(root, p))
    assert not exists("d/f1")
    assert exists("d/f2")
    assert not exists("g")
    assert not exists("o/x") and not exists("o/sub")
    assert exists("o/z")
    assert not exists("o/.wh..wh..opq") and not exists("d/.wh.f1") and not exists(".wh.g")
    assert os.path.isfile(os.path.join(root, "e"))
    cfg = taper.ok("config", name).stdout
    for line in ('init.cmd = /bin/app --flag "a b"', "environment = PATH=/usr/bin:/bin",
                 "environment = MODE=test", "init.cwd = /srv", "init.uid = 1000", "init.gid = 1000"):
        assert line + "\n" in cfg, cfg


def test_oci_layout_directory_with_tag(taper, create, tmpdir_root):
    make_layout(os.path.join(tmpdir_root, "img"))
    create("o1", "oci", "--image", os.path.join(tmpdir_root, "img") + ":v1")
    check_oci_result(taper, "o1")


def test_oci_only_image_without_tag_and_nested_index(taper, create, tmpdir_root):
    make_layout(os.path.join(tmpdir_root, "img"), nested_index=True, upper_compression="gz")
    create("o1", "oci", "--image", os.path.join(tmpdir_root, "img"))
    check_oci_result(taper, "o1")


def test_oci_archive(taper, create, cache, tmpdir_root):
    src = os.path.join(tmpdir_root, "img")
    make_layout(src)
    archive = os.path.join(tmpdir_root, "img.oci.tar")
    with tarfile.open(archive, "w") as tar:
        for entry in sorted(os.listdir(src)):
            tar.add(os.path.join(src, entry), arcname=entry)
    create("o1", "oci", "--image", archive + ":v1")
    check_oci_result(taper, "o1")
    # The unpacked layout was only temporary.
    assert [e for e in os.listdir(cache) if e.startswith(".oci")] == []


def test_oci_corrupted_blob_refused(taper, create, tmpdir_root):
    lay, l1, l2 = make_layout(os.path.join(tmpdir_root, "img"))
    blob = os.path.join(lay.path, "blobs", "sha256", l2["digest"][7:])
    with open(blob, "r+b") as f:
        data = bytearray(f.read())
        data[600] ^= 0xFF
        f.seek(0)
        f.write(data)
    r = create("o1", "oci", "--image", lay.path + ":v1", ok=False)
    assert r.returncode == 1
    assert "digest mismatch" in r.stderr
    assert "layer 2" in r.stderr
    assert_nothing_created(taper)


def test_oci_unknown_tag_and_not_a_layout(taper, create, tmpdir_root):
    lay, _, _ = make_layout(os.path.join(tmpdir_root, "img"))
    r = create("o1", "oci", "--image", lay.path + ":v2", ok=False)
    assert r.returncode == 1 and 'no image tagged "v2"' in r.stderr
    os.makedirs(os.path.join(tmpdir_root, "empty"))
    r = create("o1", "oci", "--image", os.path.join(tmpdir_root, "empty"), ok=False)
    assert r.returncode == 1 and "not an OCI image layout" in r.stderr
    assert_nothing_created(taper)


# --- debian (reduced: a fake debootstrap; TAPER_E2E=1 runs the real one) --

FAKE_DEBOOTSTRAP = r"""#!/bin/sh
# Speaks debootstrap's --debian-installer protocol on fd 3.
set -e
echo "$$" > "$FAKE_PIDFILE"
echo "$*" > "$FAKE_ARGS"
for a in "$@"; do target_prev="$target"; target="$prev"; prev="$a"; done
target="$target"
echo "P: 0 2 DOWNLOADDEBS" >&3
[ -n "$FAKE_SLEEP" ] && sleep "$FAKE_SLEEP"
if [ -n "$FAKE_FAIL" ]; then
    echo "E: COULDNTDL" >&3; echo "EF: Couldn't download %s" >&3; echo "EA: libc6" >&3; exit 1
fi
mkdir -p "$target/etc/systemd/system" "$target/sbin" "$target/usr/bin"
echo "PRETTY_NAME=fake" > "$target/etc/os-release"
echo init > "$target/sbin/init"
echo "P: 2 2 INSTCORE" >&3
"""


@pytest.fixture
def fake_debootstrap(tmpdir_root):
    path = os.path.join(tmpdir_root, "debootstrap")
    with open(path, "w") as f:
        f.write(FAKE_DEBOOTSTRAP)
    os.chmod(path, 0o755)
    return {"TAPER_DEBOOTSTRAP": path, "FAKE_PIDFILE": os.path.join(tmpdir_root, "fake.pid"),
            "FAKE_ARGS": os.path.join(tmpdir_root, "fake.args")}


def cache_key(release, variant="minbase", packages=("systemd-sysv",)):
    h = hashlib.sha256(f"{variant}\n{','.join(sorted(set(packages)))}\n".encode()).hexdigest()[:16]
    return f"{release}-amd64-{variant}-{h}"


def test_debian_bootstrap_then_cache_hit(taper, create, cache, fake_debootstrap):
    create("d1", "debian", "--release", "bookworm", env=fake_debootstrap)
    with open(fake_debootstrap["FAKE_ARGS"]) as f:
        args = f.read().split()
    assert "--variant=minbase" in args and "--include=systemd-sysv" in args
    assert f"--cache-dir={cache}/debootstrap/archives" in args
    # The mirror is the one apt uses here.
    assert args[-1].startswith("http") and "security" not in args[-1]
    tar = os.path.join(cache, "debian", cache_key("bookworm") + ".tar")
    assert os.path.isfile(tar)
    root = rootfs(taper, "d1")
    with open(os.path.join(root, "etc", "hostname")) as f:
        assert f.read() == "d1\n"
    assert os.readlink(os.path.join(root, "etc/systemd/system/systemd-udevd.service")) == "/dev/null"
    assert "stop.signal = SIGRTMIN+3\n" in taper.ok("config", "d1").stdout
    # Second create: the cached tree, no debootstrap at all.
    env = dict(fake_debootstrap, TAPER_DEBOOTSTRAP="/bin/false")
    create("d2", "debian", "--release", "bookworm", env=env)
    with open(os.path.join(rootfs(taper, "d2"), "etc", "os-release")) as f:
        assert f.read() == "PRETTY_NAME=fake\n"
    with open(os.path.join(rootfs(taper, "d2"), "etc", "hostname")) as f:
        assert f.read() == "d2\n"


def test_debian_packages_change_the_key(taper, create, cache, fake_debootstrap):
    create("d1", "debian", "--release", "bookworm", "--packages", "less,vim", env=fake_debootstrap)
    assert os.path.isfile(os.path.join(cache, "debian",
                                       cache_key("bookworm", packages=("less", "vim", "systemd-sysv")) + ".tar"))
    with open(fake_debootstrap["FAKE_ARGS"]) as f:
        assert "--include=less,systemd-sysv,vim" in f.read().split()


def test_debian_failure_leaves_nothing(taper, create, cache, fake_debootstrap):
    env = dict(fake_debootstrap, FAKE_FAIL="1")
    r = create("d1", "debian", "--release", "bookworm", env=env, ok=False)
    assert r.returncode == 1
    assert "debootstrap failed: COULDNTDL" in r.stderr
    assert_nothing_created(taper)
    assert not [e for e in os.listdir(os.path.join(cache, "debian")) if e.endswith(".tar")]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_during_create_leaves_nothing(taper, cache, fake_debootstrap, sig):
    env = dict(os.environ, TAPER_CACHE=cache, FAKE_SLEEP="30", **fake_debootstrap)
    env.pop("TAPER_PATH", None)
    proc = subprocess.Popen([TAPER, "--path", taper.store, "create", "d1", "-t", "debian", "--release",
                             "bookworm"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pidfile = fake_debootstrap["FAKE_PIDFILE"]
    for _ in range(200):
        if os.path.exists(pidfile) and os.path.getsize(pidfile):
            break
        time.sleep(0.05)
    with open(pidfile) as f:
        fake_pid = int(f.read())
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert "interrupted" in err
    assert_nothing_created(taper)
    # debootstrap and its children were killed with their process group.
    time.sleep(0.1)
    assert not os.path.exists(f"/proc/{fake_pid}")


def test_debian_bad_options(taper, create):
    r = create("d1", "debian", "--release", "../x", ok=False)
    assert r.returncode == 2 and "not a release name" in r.stderr
    r = create("d1", "debian", "--packages", "vim;rm", ok=False)
    assert r.returncode == 2 and "not a package name" in r.stderr
    assert_nothing_created(taper)


@pytest.mark.skipif(os.environ.get("TAPER_E2E") != "1", reason="TAPER_E2E=1 runs the real debootstrap")
def test_debian_e2e(taper, create):
    t0 = time.monotonic()
    create("deb1", "debian", timeout=1800)
    first = time.monotonic() - t0
    t0 = time.monotonic()
    create("deb2", "debian", timeout=600)
    second = time.monotonic() - t0
    print(f"debian create: first {first:.1f}s, second {second:.1f}s")
    root = rootfs(taper, "deb2")
    out = subprocess.run(["chroot", root, "/bin/sh", "-c", "cat /etc/debian_version; echo ok"],
                         capture_output=True, text=True, check=True).stdout
    assert out.endswith("ok\n")
    assert os.path.exists(os.path.join(root, "sbin", "init"))
