/* The template table, option parsing, busybox, and debian's host probes. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "template/debian.h"
#include "template/oci-json.h"
#include "util/parse.h"
#include "template/template.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/taper-test-template.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return rm_rf_at(AT_FDCWD, dir);
}

static void put(const char *rel, const char *content)
{
	char p[256];
	_cleanup_close_ int fd = -1;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
}

static void test_table_walk(void **state)
{
	size_t n;
	const struct template_def *const *t = template_table(&n);

	assert_true(n >= 4);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(t[i]->name);
		assert_non_null(t[i]->build);
		assert_non_null(t[i]->doc);
		assert_ptr_equal(template_find(t[i]->name), t[i]);
		for (size_t k = 0; k < template_option_count(t[i]); k++) {
			assert_non_null(t[i]->options[k].doc);
			/* Names are what users type after "--". */
			assert_null(strchr(t[i]->options[k].name, '='));
		}
	}
	assert_null(template_find("nope"));
}

static void test_option_parsing(void **state)
{
	const struct template_def *t = template_find("tarball");
	char *argv_ok[] = { (char *)"--file", NULL };
	char *argv_eq[] = { NULL };
	char *argv_unknown[] = { (char *)"--fiel=x" };
	char *argv_missing_value[] = { (char *)"--file" };
	char *argv_positional[] = { (char *)"file" };
	char **values = NULL;
	struct taper_err err = {};
	char path[128], eq[160];

	snprintf(path, sizeof(path), "%s/a.tar", dir);
	put("a.tar", "");
	argv_ok[1] = path;
	assert_int_equal(template_parse_options(t, 2, argv_ok, &values, &err), 0);
	assert_string_equal(template_value(t, values, "file"), path);
	template_values_free(t, values);

	snprintf(eq, sizeof(eq), "--file=%s", path);
	argv_eq[0] = eq;
	assert_int_equal(template_parse_options(t, 1, argv_eq, &values, &err), 0);
	assert_string_equal(values[0], path);
	template_values_free(t, values);

	assert_true(template_parse_options(t, 1, argv_unknown, &values, &err) < 0);
	assert_non_null(strstr(err.msg, "unknown option \"--fiel\""));
	assert_true(template_parse_options(t, 1, argv_missing_value, &values, &err) < 0);
	assert_non_null(strstr(err.msg, "needs a value"));
	assert_true(template_parse_options(t, 1, argv_positional, &values, &err) < 0);
	assert_non_null(strstr(err.msg, "unexpected argument"));
	assert_true(template_parse_options(t, 0, NULL, &values, &err) < 0);
	assert_non_null(strstr(err.msg, "missing option \"--file PATH\""));
	/* check() runs at parse time: a missing file is a usage error. */
	snprintf(eq, sizeof(eq), "--file=%s/nope.tar", dir);
	assert_int_equal(template_parse_options(t, 1, argv_eq, &values, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "nope.tar"));
}

static void test_busybox_build(void **state)
{
	const struct template_def *t = template_find("busybox");
	struct template_ctx ctx = { .name = "bb1", .cache_dir = dir };
	_cleanup_strv_free_ char **config = NULL;
	_cleanup_free_ char *host = NULL, *inittab = NULL;
	_cleanup_close_ int rfd = -1;
	struct taper_err err = {};
	char **values = NULL, root[128], target[64];
	struct stat st;

	assert_int_equal(template_parse_options(t, 0, NULL, &values, &err), 0);
	snprintf(root, sizeof(root), "%s/rootfs", dir);
	assert_int_equal(mkdir(root, 0755), 0);
	rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(template_build(t, &ctx, rfd, values, &config, &err), 0);
	template_values_free(t, values);

	assert_int_equal(fstatat(rfd, "bin/busybox", &st, 0), 0);
	assert_true(st.st_mode & S_IXUSR);
	assert_int_equal(readlinkat(rfd, "bin/sh", target, sizeof(target)), (ssize_t)strlen("/bin/busybox"));
	assert_int_equal(fstatat(rfd, "sbin/init", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fstatat(rfd, "tmp", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 01777);
	assert_int_equal(read_file_at(rfd, "etc/hostname", 64, &host, NULL), 0);
	assert_string_equal(host, "bb1\n");
	assert_int_equal(read_file_at(rfd, "etc/inittab", 4096, &inittab, NULL), 0);
	assert_non_null(strstr(inittab, "::sysinit:/etc/init.d/rcS"));
	assert_int_equal(fstatat(rfd, "etc/init.d/rcS", &st, 0), 0);
	assert_true(st.st_mode & S_IXUSR);
	assert_true(strv_contains(config, "stop.signal = SIGPWR"));
	assert_true(strv_contains(config, "init.cmd = /sbin/init"));
}

static void test_busybox_refuses_dynamic(void **state)
{
	const struct template_def *t = template_find("busybox");
	char *argv[] = { (char *)"--busybox", (char *)"/bin/ls" };
	char **values = NULL;
	struct taper_err err = {};

	assert_true(template_parse_options(t, 2, argv, &values, &err) < 0);
	assert_non_null(strstr(err.msg, "dynamically linked"));
	argv[1] = (char *)"/etc/passwd";
	assert_true(template_parse_options(t, 2, argv, &values, &err) < 0);
}

static void test_debian_probes(void **state)
{
	_cleanup_free_ char *m1 = NULL, *m2 = NULL, *rel = NULL, *key = NULL, *key2 = NULL;
	char apt[128], osr[128], sub[160];

	snprintf(apt, sizeof(apt), "%s/apt", dir);
	snprintf(sub, sizeof(sub), "%s/apt/sources.list.d", dir);
	assert_int_equal(mkdir(apt, 0755), 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	/* One-line format: the security line is skipped. */
	put("apt/sources.list",
	    "# comment\n"
	    "deb http://security.debian.org/debian-security bookworm-security main\n"
	    "deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main\n");
	assert_int_equal(debian_mirror_from_apt(apt, &m1), 0);
	assert_string_equal(m1, "http://mirror.example/debian");
	/* deb822 only, as on this machine. */
	unlink(strcat(strcpy(sub, apt), "/sources.list"));
	put("apt/sources.list.d/a.sources",
	    "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\n"
	    "Types: deb\nURIs: http://deb.example/debian\nSuites: bookworm "
	    "bookworm-updates\nComponents: main\n");
	put("apt/sources.list.d/z.list.disabled", "deb http://wrong.example/ x main\n");
	assert_int_equal(debian_mirror_from_apt(apt, &m2), 0);
	assert_string_equal(m2, "http://deb.example/debian");

	snprintf(osr, sizeof(osr), "%s/os-release", dir);
	put("os-release", "NAME=\"Debian GNU/Linux\"\nVERSION_CODENAME=\"trixie\"\n");
	assert_int_equal(debian_release_from_os_release(osr, &rel), 0);
	assert_string_equal(rel, "trixie");

	assert_int_equal(debian_cache_key("bookworm", "amd64", "minbase", "vim,less,vim", &key), 0);
	assert_int_equal(debian_cache_key("bookworm", "amd64", "minbase", "less,vim", &key2), 0);
	assert_string_equal(key, key2);
	assert_int_equal(strncmp(key, "bookworm-amd64-minbase-", 23), 0);
	assert_int_equal(strlen(key), 23 + 16);
}

static void test_debian_check(void **state)
{
	const struct template_def *t = template_find("debian");
	char *bad_release[] = { (char *)"--release", (char *)"../x" };
	char *bad_variant[] = { (char *)"--variant=fakechroot" };
	char *bad_pkg[] = { (char *)"--packages", (char *)"vim,;rm" };
	char *bad_mirror[] = { (char *)"--mirror=ftp://x" };
	char *good[] = { (char *)"--release=bookworm", (char *)"--packages=vim,libc6-dev,g++" };
	char **values = NULL;
	struct taper_err err = {};

	assert_true(template_parse_options(t, 2, bad_release, &values, &err) < 0);
	assert_true(template_parse_options(t, 1, bad_variant, &values, &err) < 0);
	assert_true(template_parse_options(t, 2, bad_pkg, &values, &err) < 0);
	assert_non_null(strstr(err.msg, ";rm"));
	assert_true(template_parse_options(t, 1, bad_mirror, &values, &err) < 0);
	assert_int_equal(template_parse_options(t, 2, good, &values, &err), 0);
	template_values_free(t, values);
}

static int no_lookup(void *userdata, const char *file, const char *name, uint32_t *ret, struct taper_err *err)
{
	return -ENOENT;
}

/* The OCI documents from memory: a manifest is refused whole, before a
 * layer is unpacked, and an image's config becomes config lines. */
static void test_oci_json(void **state)
{
	static const char good[] =
		"\"digest\": \"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"";
	_cleanup_free_ char *manifest = NULL;
	_cleanup_strv_free_ char **lines = NULL;
	struct taper_err err = { 0 };
	json_t *j;
	uint32_t id;

	assert_true(
		asprintf(&manifest,
			 "{\"config\": {%s}, \"layers\": [{\"mediaType\": "
			 "\"application/vnd.oci.image.layer.v1.tar\", %s}, {\"mediaType\": \"x/y\", %s}]}",
			 good, good, good) > 0);
	j = oci_json_parse(manifest, strlen(manifest), "manifest", &err);
	assert_non_null(j);
	assert_int_equal(oci_manifest_check(j, &err), -EINVAL);
	assert_string_equal(err.msg, "layer 2: unsupported media type \"x/y\"");
	json_decref(j);
	assert_null(oci_json_parse("[1]", 3, "index.json", &err));
	assert_string_equal(err.msg, "index.json: invalid JSON: not an object");

	assert_int_equal(
		parse_id_file("root:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n", "app", &id, NULL), 0);
	assert_int_equal(id, 1000);
	/* A line of the name alone is that name's, and malformed. */
	assert_int_equal(parse_id_file("app\n", "app", &id, NULL), -EINVAL);
	assert_int_equal(parse_id_file("other:x:1:1\n", "app", &id, NULL), -ENOENT);
	assert_int_equal(parse_id_file("app:x\n", "app", &id, NULL), -EINVAL);

	{
		static const char cfg[] =
			"{\"config\": {\"Entrypoint\": [\"/bin/sh\", \"-c\"], "
			"\"Cmd\": [\"echo $HOME\"], \"User\": \"7:8\", \"Env\": [\"A=1\", \"B\"]}}";

		j = oci_json_parse(cfg, strlen(cfg), "config", &err);
	}
	assert_non_null(j);
	assert_int_equal(oci_config_lines(j, no_lookup, NULL, &lines, &err), 0);
	json_decref(j);
	assert_int_equal(strv_length(lines), 4);
	assert_string_equal(lines[0], "init.cmd = /bin/sh -c \"echo \\$HOME\"");
	assert_string_equal(lines[1], "environment = A=1");
	assert_string_equal(lines[2], "init.uid = 7");
	assert_string_equal(lines[3], "init.gid = 8");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_walk),
		cmocka_unit_test(test_oci_json),
		cmocka_unit_test_setup_teardown(test_option_parsing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busybox_build, setup, teardown),
		cmocka_unit_test(test_busybox_refuses_dynamic),
		cmocka_unit_test_setup_teardown(test_debian_probes, setup, teardown),
		cmocka_unit_test(test_debian_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
