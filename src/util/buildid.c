/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * buildid.c — the GNU build id of a loaded object (see buildid.h), from
 * its PT_NOTE segments as the loader mapped them: no file is opened.
 */
#include <elf.h>
#include <stdbool.h>
#include <errno.h>
#include <link.h>
#include <string.h>

#include "util/buildid.h"

struct search {
	uintptr_t addr;
	uint8_t *out;
	int len;
};

static bool holds(const struct dl_phdr_info *info, uintptr_t addr)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && addr >= start && addr - start < ph->p_memsz)
			return true;
	}
	return false;
}

static int visit(struct dl_phdr_info *info, size_t size, void *data)
{
	struct search *s = data;

	(void)size;
	if (!holds(info, s->addr))
		return 0;
	s->len = -ENOENT;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;

		if (ph->p_type != PT_NOTE)
			continue;
		/* Notes: header, name and descriptor, each 4-aligned. */
		while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)(const void *)p;
			size_t name = (n->n_namesz + 3) & ~(size_t)3, desc = (n->n_descsz + 3) & ~(size_t)3;
			const uint8_t *d = p + sizeof(*n) + name;

			if (name > (size_t)(end - p) - sizeof(*n) || desc > (size_t)(end - d))
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    memcmp(p + sizeof(*n), "GNU", 4) == 0 && n->n_descsz > 0 &&
			    n->n_descsz <= BUILD_ID_MAX) {
				memcpy(s->out, d, n->n_descsz);
				s->len = (int)n->n_descsz;
				return 1;
			}
			p = d + desc;
		}
	}
	return 1; /* the object holding addr, without an id */
}

int build_id_of(const void *addr, uint8_t out[BUILD_ID_MAX])
{
	struct search s = { .addr = (uintptr_t)addr, .out = out, .len = -ENOENT };

	dl_iterate_phdr(visit, &s);
	return s.len;
}
