/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The entry checks of the tarball and OCI layer unpacker
 * (src/template/unpack.c): the input is read as a tar by libarchive with
 * the unpacker's own settings (any compression, tar formats) and every
 * entry path goes through unpack_entry_classify() as the OCI passes send
 * it, hard link targets too. Bytes libarchive does not take as a tar are
 * read as one entry path per line, so the checks get fuzzed directly as
 * well. Nothing touches the filesystem.
 *
 * Properties: a path that classifies is relative, has no empty, "." or
 * ".." component, and is no longer than the entry's; a whiteout names
 * something.
 */
#include <archive.h>
#include <archive_entry.h>
#include <limits.h>

#include "fuzz.h"
#include "template/unpack.h"
#include "util/lazy.h"

static void check(const char *raw)
{
	enum unpack_entry_kind kind;
	char path[PATH_MAX];
	const char *p = path;

	if (unpack_entry_classify(raw, path, sizeof(path), &kind) < 0)
		return;
	FUZZ_ASSERT(strlen(path) <= strlen(raw));
	FUZZ_ASSERT(kind != UNPACK_ENTRY_WHITEOUT || path[0]);
	while (*p) {
		size_t n = strcspn(p, "/");

		FUZZ_ASSERT(n > 0);
		FUZZ_ASSERT(!(n == 1 && p[0] == '.') && !(n == 2 && p[0] == '.' && p[1] == '.'));
		p += n;
		if (*p == '/') {
			p++;
			FUZZ_ASSERT(*p);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct archive *a;
	struct archive_entry *e;
	unsigned entries = 0;
	int r;

	FUZZ_ASSERT(lazy_archive_load(NULL) == 0);
	a = archive_read_new();
	FUZZ_ASSERT(a);
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_memory(a, data, size) == ARCHIVE_OK)
		while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
			check(archive_entry_pathname(e));
			if (archive_entry_hardlink(e))
				check(archive_entry_hardlink(e));
			entries++;
		}
	archive_read_free(a);
	if (entries == 0) {
		char *text = fuzz_text(data, size), *save = NULL;

		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			check(l);
		free(text);
	}
	return 0;
}
