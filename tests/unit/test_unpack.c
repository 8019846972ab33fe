/* Safe extraction and OCI whiteouts, on real archives and real trees. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "template/unpack.h"
#include "util/cleanup.h"
#include "util/fs.h"

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/taper-test-unpack.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	return rm_rf_at(AT_FDCWD, dir);
}

/* Archive building: one entry kind per call. */
enum kind {
	F,
	D,
	L,
	H,
	C
};

struct ent {
	enum kind kind;
	const char *path;
	const char *data; /* content, or symlink/hardlink target */
	mode_t mode;
};

static char *make_tar(const char *name, const struct ent *e, size_t n, bool gzip)
{
	static char path[128]; /* one archive in flight per test */
	struct archive *a = archive_write_new();

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	archive_write_set_format_pax_restricted(a);
	if (gzip)
		archive_write_add_filter_gzip(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new();

		archive_entry_set_pathname(ae, e[i].path);
		archive_entry_set_uid(ae, 1234);
		archive_entry_set_gid(ae, 4321);
		switch (e[i].kind) {
		case F:
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_perm(ae, e[i].mode ? e[i].mode : 0644);
			archive_entry_set_size(ae, (la_int64_t)strlen(e[i].data));
			break;
		case D:
			archive_entry_set_filetype(ae, AE_IFDIR);
			archive_entry_set_perm(ae, e[i].mode ? e[i].mode : 0755);
			break;
		case L:
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_perm(ae, 0777);
			archive_entry_set_symlink(ae, e[i].data);
			break;
		case H:
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_perm(ae, 0644);
			archive_entry_set_hardlink(ae, e[i].data);
			break;
		case C:
			archive_entry_set_filetype(ae, AE_IFCHR);
			archive_entry_set_perm(ae, 0666);
			archive_entry_set_rdev(ae, makedev(1, 3));
			break;
		}
		assert_true(archive_write_header(a, ae) >= ARCHIVE_WARN);
		if (e[i].kind == F)
			assert_int_equal(archive_write_data(a, e[i].data, strlen(e[i].data)),
					 (la_ssize_t)strlen(e[i].data));
		archive_entry_free(ae);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return path;
}

static int unpack_into(const char *rootfs, const char *tar, unsigned flags, struct taper_err *err)
{
	struct template_ctx ctx = { .name = "t", .cache_dir = dir };
	_cleanup_close_ int rfd = -1, afd = -1;
	char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, rootfs);
	(void)mkdir(p, 0755);
	rfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	afd = open(tar, O_RDONLY | O_CLOEXEC);
	assert_true(rfd >= 0 && afd >= 0);
	return unpack_archive(&ctx, rfd, afd, "test", flags, err);
}

/* Does dir/rel exist (not following a final symlink)? */
static bool exists(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return lstat(p, &st) == 0;
}

static void test_plain_extract_keeps_metadata(void **state)
{
	static const struct ent e[] = {
		{ D, "etc", NULL, 0700 },   { F, "etc/motd", "hi\n", 0640 },
		{ L, "bin", "usr/bin", 0 }, { H, "etc/motd2", "etc/motd", 0 },
		{ C, "dev-null", NULL, 0 },
	};
	struct taper_err err = {};
	struct stat st, st2;
	char p[128];

	assert_int_equal(unpack_into("plain", make_tar("plain.tgz", e, ARRAY_SIZE(e), true), 0, &err), 0);
	snprintf(p, sizeof(p), "%s/plain/etc/motd", dir);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 4321);
	snprintf(p, sizeof(p), "%s/plain/etc/motd2", dir);
	assert_int_equal(lstat(p, &st2), 0);
	assert_int_equal(st.st_ino, st2.st_ino);
	snprintf(p, sizeof(p), "%s/plain/etc", dir);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(p, sizeof(p), "%s/plain/dev-null", dir);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(1, 3));
}

/* Each hostile archive fails, and nothing lands outside the rootfs. */
static void test_hostile_archives(void **state)
{
	char outside[128], abs_target[160], abs_entry[160];
	struct ent dotdot[] = { { F, "ok", "x" }, { F, "../escaped", "x" } };
	struct ent deep_dotdot[] = { { D, "a" }, { F, "a/../../escaped2", "x" } };
	struct ent absolute[] = { { F, abs_entry, "x" } };
	struct ent via_symlink[] = { { L, "a", outside }, { F, "a/x", "x" } };
	struct ent via_rel_symlink[] = { { L, "b", "../../.." }, { F, "b/escaped3", "x" } };
	struct ent hardlink_out[] = { { H, "h", "../secret" } };
	struct ent hardlink_abs[] = { { H, "h2", abs_target } };
	const struct {
		const char *name;
		struct ent *e;
		size_t n;
	} cases[] = {
		{ "dotdot", dotdot, ARRAY_SIZE(dotdot) },
		{ "deep", deep_dotdot, ARRAY_SIZE(deep_dotdot) },
		{ "absolute", absolute, ARRAY_SIZE(absolute) },
		{ "symlink", via_symlink, ARRAY_SIZE(via_symlink) },
		{ "relsymlink", via_rel_symlink, ARRAY_SIZE(via_rel_symlink) },
		{ "hardlink", hardlink_out, ARRAY_SIZE(hardlink_out) },
		{ "hardlink-abs", hardlink_abs, ARRAY_SIZE(hardlink_abs) },
	};
	char secret[128];
	int fd;

	snprintf(outside, sizeof(outside), "%s/outside", dir);
	assert_int_equal(mkdir(outside, 0755), 0);
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	fd = open(secret, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(abs_target, sizeof(abs_target), "%s", secret);
	snprintf(abs_entry, sizeof(abs_entry), "%s/abs-escaped", dir);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct taper_err err = {};
		char tar[64], root[64];
		struct stat st;
		int r;

		snprintf(tar, sizeof(tar), "%s.tar", cases[i].name);
		snprintf(root, sizeof(root), "root-%s", cases[i].name);
		r = unpack_into(root, make_tar(tar, cases[i].e, cases[i].n, false), 0, &err);
		print_message("%s: %d %s\n", cases[i].name, r, err.msg);
		assert_true(r < 0);
		assert_true(err.msg[0]);
		assert_false(exists("escaped"));
		assert_false(exists("escaped2"));
		assert_false(exists("escaped3"));
		assert_false(exists("abs-escaped"));
		assert_false(exists("outside/x"));
		assert_int_equal(access("/escaped3", F_OK), -1);
		/* The secret was not linked anywhere. */
		assert_int_equal(stat(secret, &st), 0);
		assert_int_equal(st.st_nlink, 1);
	}
}

static void test_whiteouts(void **state)
{
	static const struct ent lower[] = {
		{ D, "d" },
		{ F, "d/f1", "1" },
		{ F, "d/f2", "2" },
		{ F, "g", "g" },
		{ D, "o" },
		{ F, "o/x", "x" },
		{ D, "o/sub" },
		{ F, "o/sub/y", "y" },
		{ D, "e" },
		{ F, "e/inner", "i" },
		{ F, "fd", "file" },
		{ F, "shared", "s" },
		{ H, "shared-link", "shared" },
	};
	/* o/z comes before the opaque marker: it must survive it. */
	static const struct ent upper[] = {
		{ F, "d/.wh.f1", "" },       { F, ".wh.g", "" },       { F, "o/z", "z" },
		{ F, "o/.wh..wh..opq", "" }, { F, "e", "now a file" }, { D, "fd" },
		{ F, "fd/in", "in" },        { F, "shared", "new" },   { F, ".wh.missing", "" },
	};
	struct taper_err err = {};
	_cleanup_free_ char *s = NULL;
	char p[128];
	struct stat st;

	assert_int_equal(unpack_into("oci", make_tar("l1.tar", lower, ARRAY_SIZE(lower), false),
				     UNPACK_OCI_LAYER, &err),
			 0);
	assert_int_equal(unpack_into("oci", make_tar("l2.tgz", upper, ARRAY_SIZE(upper), true),
				     UNPACK_OCI_LAYER, &err),
			 0);
	assert_false(exists("oci/d/f1"));
	assert_true(exists("oci/d/f2"));
	assert_false(exists("oci/g"));
	assert_false(exists("oci/o/x"));
	assert_false(exists("oci/o/sub"));
	assert_true(exists("oci/o/z"));
	assert_true(exists("oci/o"));
	/* No whiteout marker is materialized. */
	assert_false(exists("oci/o/.wh..wh..opq"));
	assert_false(exists("oci/d/.wh.f1"));
	snprintf(p, sizeof(p), "%s/oci/e", dir);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	snprintf(p, sizeof(p), "%s/oci/fd", dir);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_true(exists("oci/fd/in"));
	/* Replacing a file never writes through its lower hard link. */
	snprintf(p, sizeof(p), "%s/oci/shared-link", dir);
	assert_int_equal(read_file(p, 64, &s), 0);
	assert_string_equal(s, "s");
}

static void test_whiteout_with_dotdot_refused(void **state)
{
	static const struct ent e[] = { { F, "a/../../.wh.x", "" } };
	struct taper_err err = {};

	assert_true(unpack_into("wh-dotdot", make_tar("whd.tar", e, ARRAY_SIZE(e), false), UNPACK_OCI_LAYER,
				&err) < 0);
}

static void test_entry_classify(void **state)
{
	static const struct {
		const char *raw;
		int r;
		enum unpack_entry_kind kind;
		const char *path;
	} cases[] = {
		{ "./etc//passwd", 0, UNPACK_ENTRY_PLAIN, "etc/passwd" },
		{ "/", 0, UNPACK_ENTRY_PLAIN, "" },
		{ "usr/.wh.lib", 0, UNPACK_ENTRY_WHITEOUT, "usr/lib" },
		{ ".wh.etc", 0, UNPACK_ENTRY_WHITEOUT, "etc" },
		{ "var/cache/.wh..wh..opq", 0, UNPACK_ENTRY_OPAQUE, "var/cache" },
		{ "./.wh..wh..opq", 0, UNPACK_ENTRY_OPAQUE, "" },
		{ "a/../b", -EINVAL },
		{ "a/.wh...", -EBADMSG },
		{ "a/.wh..", -EBADMSG },
		{ "a/.wh.", -EBADMSG },
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		enum unpack_entry_kind kind;
		int r = unpack_entry_classify(cases[i].raw, path, sizeof(path), &kind);

		if (r != cases[i].r)
			fail_msg("%s: %d, want %d", cases[i].raw, r, cases[i].r);
		if (r == 0 && (kind != cases[i].kind || strcmp(path, cases[i].path) != 0))
			fail_msg("%s: kind %d \"%s\"", cases[i].raw, kind, path);
	}
	assert_int_equal(unpack_entry_classify("abcdef", path, 6, &(enum unpack_entry_kind){ 0 }),
			 -ENAMETOOLONG);
}

static void test_strip_wrapper(void **state)
{
	static const struct ent wrapped[] = {
		{ D, "rootfs" },     { D, "rootfs/etc" },    { F, "rootfs/etc/os", "x" },
		{ D, "rootfs/usr" }, { D, "rootfs/rootfs" }, /* a child named like the wrapper */
	};
	static const struct ent single_usr[] = { { D, "usr" }, { D, "usr/bin" }, { D, "usr/etc" } };
	_cleanup_close_ int rfd = -1;
	struct taper_err err = {};
	bool stripped = false;
	char p[128];

	assert_int_equal(
		unpack_into("wrapped", make_tar("w.tar", wrapped, ARRAY_SIZE(wrapped), false), 0, &err), 0);
	snprintf(p, sizeof(p), "%s/wrapped", dir);
	rfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(unpack_strip_wrapper(rfd, &stripped, &err), 0);
	assert_true(stripped);
	assert_true(exists("wrapped/etc/os"));
	assert_true(exists("wrapped/rootfs"));
	assert_false(exists("wrapped/rootfs/etc"));

	safe_close(rfd);
	assert_int_equal(
		unpack_into("usr", make_tar("u.tar", single_usr, ARRAY_SIZE(single_usr), false), 0, &err), 0);
	snprintf(p, sizeof(p), "%s/usr", dir);
	rfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(unpack_strip_wrapper(rfd, &stripped, &err), 0);
	assert_false(stripped);
	assert_true(exists("usr/usr/bin"));
}

static void test_not_an_archive(void **state)
{
	_cleanup_close_ int fd = -1;
	struct taper_err err = {};
	char p[128];

	snprintf(p, sizeof(p), "%s/junk", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_int_equal(write(fd, "this is no tar archive at all", 29), 29);
	assert_true(unpack_into("junk-root", p, 0, &err) < 0);
	assert_non_null(strstr(err.msg, "archive"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plain_extract_keeps_metadata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_archives, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whiteouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whiteout_with_dotdot_refused, setup, teardown),
		cmocka_unit_test(test_entry_classify),
		cmocka_unit_test_setup_teardown(test_strip_wrapper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_an_archive, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
