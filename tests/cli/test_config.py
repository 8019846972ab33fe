"""taper config: show, get, set and unset keys of a container's config file."""
import os
import subprocess

import pytest

from conftest import ROOT, TAPER


def make_container(taper, name, text="# c1, made by hand\nuts.name = c1\n"):
    d = os.path.join(taper.store, name)
    os.makedirs(os.path.join(d, "rootfs"))
    with open(os.path.join(d, "config"), "w") as f:
        f.write(text)
    return d


def read_config(taper, name):
    with open(os.path.join(taper.store, name, "config")) as f:
        return f.read()


def test_print_whole_file(taper):
    make_container(taper, "c1")
    r = taper.ok("config", "c1")
    assert r.stdout == "# c1, made by hand\nuts.name = c1\n"


def test_get(taper):
    make_container(taper, "c1", "uts.name = c1\nmount.entry = /a /a none bind\n"
                               "mount.entry = /b /b none bind,ro\n")
    assert taper.ok("config", "c1", "uts.name").stdout == "c1\n"
    assert taper.ok("config", "c1", "mount.entry").stdout == \
        "/a /a none bind\n/b /b none bind,ro\n"


def test_get_unset_key_fails(taper):
    make_container(taper, "c1")
    r = taper("config", "c1", "cgroup.memory.max")
    assert r.returncode == 1
    assert r.stderr == 'taper: config: c1: key "cgroup.memory.max" is not set\n'
    assert r.stdout == ""


def test_set_keeps_comments_and_order(taper):
    make_container(taper, "c1", "# top\ncgroup.memory.max = 1G\n\n# net\nuts.name = c1\n")
    r = taper.ok("config", "c1", "cgroup.memory.max", "512M")
    assert r.stdout == "" and r.stderr == ""
    taper.ok("config", "c1", "cgroup.pids.max", "100")
    taper.ok("config", "c1", "init.oom_score_adj", "-500")  # a value starting with '-'
    taper.ok("config", "c1", "mount.entry", "/srv /srv none bind,ro")
    assert read_config(taper, "c1") == (
        "# top\ncgroup.memory.max = 512M\n\n# net\nuts.name = c1\n"
        "cgroup.pids.max = 100\ninit.oom_score_adj = -500\n"
        "mount.entry = /srv /srv none bind,ro\n")
    assert taper.ok("config", "c1", "cgroup.memory.max").stdout == "512M\n"
    st = os.stat(os.path.join(taper.store, "c1", "config"))
    assert st.st_mode & 0o777 == 0o600
    # No temporary file left behind.
    assert sorted(os.listdir(os.path.join(taper.store, "c1"))) == ["config", "rootfs"]


def test_unset(taper):
    make_container(taper, "c1", "# keep\nuts.name = c1\ncap.drop = mknod\ncap.drop = net_raw\n")
    r = taper.ok("config", "c1", "--unset", "cap.drop")
    assert r.stdout == ""
    assert read_config(taper, "c1") == "# keep\nuts.name = c1\n"
    r = taper("config", "c1", "--unset", "cap.drop")
    assert r.returncode == 1
    assert r.stderr == 'taper: config: key "cap.drop" is not set\n'


def test_bad_key(taper):
    make_container(taper, "c1")
    before = read_config(taper, "c1")
    for args in (("foo.bar", "1"), ("foo.bar",), ("--unset", "foo.bar")):
        r = taper("config", "c1", *args)
        assert r.returncode == 1, args
        assert r.stderr == 'taper: config: unknown key "foo.bar"\n'
    assert read_config(taper, "c1") == before


def test_bad_value(taper):
    make_container(taper, "c1")
    before = read_config(taper, "c1")
    r = taper("config", "c1", "cgroup.memory.max", "12Q")
    assert r.returncode == 1
    assert r.stderr == 'taper: config: cgroup.memory.max: invalid size "12Q" (e.g. 256M, 1G, or max)\n'
    r = taper("config", "c1", "net.0.type", "bridge")
    assert r.stderr == ('taper: config: net.0.type: invalid interface type "bridge" '
                        '(empty, veth, macvlan, host)\n')
    assert read_config(taper, "c1") == before


def test_set_and_unset_check_the_whole_file(taper):
    """An edit that leaves a file no container can start from is refused,
    naming the line the saved file would have, and nothing is written."""
    make_container(taper, "c1", "uts.name = c1\nnet.0.type = veth\nnet.0.link = taperbr0\n")
    before = read_config(taper, "c1")
    path = os.path.join(os.path.realpath(taper.store), "c1", "config")
    r = taper("config", "c1", "--unset", "net.0.type")
    assert r.returncode == 1
    assert r.stderr == f"taper: config: {path}:2: net.0: net.0.type is not set\n"
    r = taper("config", "c1", "namespaces.share.net", "web")
    assert r.returncode == 1
    assert r.stderr == (f"taper: config: {path}:4: namespaces.share.net: a shared network "
                        "namespace brings its own interfaces; remove the net.N keys\n")
    assert read_config(taper, "c1") == before
    taper.ok("config", "c1", "--unset", "net.0.link")
    taper.ok("config", "c1", "--unset", "net.0.type")
    taper.ok("config", "c1", "namespaces.share.net", "web")
    assert read_config(taper, "c1") == "uts.name = c1\nnamespaces.share.net = web\n"


def test_broken_file_names_file_and_line(taper):
    make_container(taper, "c1", "# ok\nuts.name = c1\nfoo.bar = 1\n")
    r = taper("config", "c1", "uts.name")
    assert r.returncode == 1
    path = os.path.join(os.path.realpath(taper.store), "c1", "config")
    assert r.stderr == f'taper: config: {path}:3: unknown key "foo.bar"\n'


def test_unknown_container(taper):
    for args in ((), ("uts.name",), ("uts.name", "x"), ("--unset", "uts.name")):
        r = taper("config", "nope", *args)
        assert r.returncode == 1, args
        assert r.stderr == 'taper: config: container "nope" not found\n'


@pytest.mark.parametrize("name", ["../c1", ".hidden", "a/b", "-x", "x" * 65])
def test_bad_name(taper, name):
    make_container(taper, "c1")
    r = taper("config", "--", name, "uts.name") if name.startswith("-") else \
        taper("config", name, "uts.name")
    assert r.returncode == 1
    assert r.stderr.startswith(f'taper: config: invalid container name "{name}"')


def test_symlinked_container_is_refused(taper, tmpdir_root):
    outside = os.path.join(tmpdir_root, "outside")
    os.makedirs(os.path.join(outside, "rootfs"))
    with open(os.path.join(outside, "config"), "w") as f:
        f.write("uts.name = outside\n")
    os.symlink(outside, os.path.join(taper.store, "evil"))
    r = taper("config", "evil", "uts.name", "pwned")
    assert r.returncode == 1
    assert r.stderr == 'taper: config: container "evil" not found\n'
    with open(os.path.join(outside, "config")) as f:
        assert f.read() == "uts.name = outside\n"


def test_usage_errors(taper):
    make_container(taper, "c1")
    assert taper("config").returncode == 2
    assert taper("config", "c1", "a", "b", "c").returncode == 2
    assert taper("config", "--bogus").returncode == 2
    assert taper("config", "--keys", "--format", "html").returncode == 2
    r = taper.ok("config", "--help")
    assert "--unset KEY" in r.stdout


def test_taper_path_env(taper):
    make_container(taper, "c1")
    r = taper.ok("config", "c1", "uts.name", store=False, env={"TAPER_PATH": taper.store})
    assert r.stdout == "c1\n"


def test_keys_reference_matches_docs(taper):
    r = taper.ok("config", "--keys", "--format", "md")
    with open(os.path.join(ROOT, "docs", "config.md")) as f:
        assert r.stdout == f.read(), "docs/config.md is stale: run `make docs`"
    text = taper.ok("config", "--keys").stdout
    assert "cgroup.memory.max = size|max" in text
    assert "e.g. net.0.type = veth" in text


def test_parallel_sets_serialize(taper):
    """Concurrent set on one container: the lock keeps every write."""
    make_container(taper, "c1", "# c1\n")
    procs = [subprocess.Popen([TAPER, "--path", taper.store, "config", "c1", "environment",
                               f"V{i}=x"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for i in range(16)]
    for p in procs:
        _, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    values = taper.ok("config", "c1", "environment").stdout.split()
    assert sorted(values) == sorted(f"V{i}=x" for i in range(16))
