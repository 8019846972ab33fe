#include <archive.h>
#include <errno.h>
#include <link.h>
#include <nftables/libnftables.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "util/lazy.h"

static int find_lib(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	return strstr(info->dlpi_name, (const char *)data) ? 1 : 0;
}

static bool loaded(const char *name)
{
	return dl_iterate_phdr(find_lib, (void *)name) == 1;
}

static void test_missing_library_is_a_named_error(void **state)
{
	struct lazy_lib lib = { .soname = "libtaper-does-not-exist.so.0" };
	struct taper_err err = { 0 };

	assert_int_equal(lazy_open(&lib, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "load libtaper-does-not-exist.so.0"));
	assert_null(lazy_sym(&lib, "anything"));
}

static void test_nftables_bound_on_first_use(void **state)
{
	struct taper_err err = { 0 };
	struct nft_ctx *ctx;

	/* This test binary is not linked against libnftables. */
	assert_false(loaded("libnftables.so"));
	assert_int_equal(lazy_nftables_load(&err), 0);
	assert_true(loaded("libnftables.so"));
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	assert_non_null(ctx);
	assert_int_equal(nft_ctx_buffer_output(ctx), 0);
	nft_ctx_free(ctx);
}

static void test_archive_wrappers_forward(void **state)
{
	struct taper_err err = { 0 };
	struct archive *a;

	assert_int_equal(lazy_archive_load(&err), 0);
	a = archive_read_new();
	assert_non_null(a);
	assert_int_equal(archive_read_support_format_tar(a), ARCHIVE_OK);
	/* A real libarchive error travels back through the wrappers. */
	assert_int_not_equal(archive_read_open_filename(a, "/nonexistent/x.tar", 10240), ARCHIVE_OK);
	assert_non_null(archive_error_string(a));
	assert_int_equal(archive_read_free(a), ARCHIVE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_library_is_a_named_error),
		cmocka_unit_test(test_nftables_bound_on_first_use),
		cmocka_unit_test(test_archive_wrappers_forward),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
