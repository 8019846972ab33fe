/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz.h — what the libFuzzer targets in tests/fuzz share.
 *
 * Each fuzz-<target>.c defines LLVMFuzzerTestOneInput() around one parser
 * and nothing else: no file outside a per-run temporary directory, no
 * global state carried from one input to the next. The same file links
 * either with libFuzzer (-Dfuzz=true, clang) or with replay.c, which feeds
 * it every file of tests/fuzz/corpus/<target>/ as a unit test.
 *
 * FUZZ_ASSERT() states a property the parser promises (a value written
 * back reads the same); a violation aborts, which libFuzzer reports as a
 * crash with the input that caused it.
 */
#ifndef TAPER_TESTS_FUZZ_H
#define TAPER_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <taper.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                             \
	do {                                                                                          \
		if (!(cond)) {                                                                        \
			fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                      \
		}                                                                                     \
	} while (0)

/* The input as a file reader hands it to a parser: NUL-terminated (a NUL
 * inside ends the text early, as it does for the real readers). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Why a parser refused an input, on stderr when TAPER_FUZZ_VERBOSE is
 * set: to check that a new seed gets past the first error. */
static inline void fuzz_refused(const char *what, const struct taper_err *err)
{
	if (getenv("TAPER_FUZZ_VERBOSE"))
		fprintf(stderr, "%s refused: %s\n", what, err && err->msg[0] ? err->msg : "(no message)");
}

#endif
