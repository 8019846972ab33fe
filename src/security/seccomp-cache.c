/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-cache.c — compiled default-profile BPF kept on disk.
 *
 * Building moby's ~370-name allowlist for three x86 ABIs costs ~0.8 ms per
 * container (seccomp-bpf.c; 15 ms through libseccomp); the result depends
 * only on the table, the set of active rules (capabilities, arch, kernel),
 * the native arch, the libseccomp version (its syscall tables) and the
 * generator (the build id of the code holding it), all of which form the
 * key. An entry is
 * "<dir>/default-<hash>.bpf": the full key, then the instructions.
 *
 * Trust: the program is loaded into every container, so the cache is used
 * only when the directory is a real directory owned by us with no group or
 * other write bit, and an entry only when it is a regular file owned by us,
 * opened with O_NOFOLLOW, whose size and header match the key exactly.
 * Anything else is a miss; a failed write only costs the next run a compile.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "security/seccomp-internal.h"
#include "util/buildid.h"
#include "util/cleanup.h"
#include "util/fs.h"

int sc_cache_key_init(struct sc_cache_key *key, const struct sc_profile *p, const struct sc_env *env)
{
	const struct scmp_version *v = seccomp_version();
	int r;

	memset(key, 0, sizeof(*key));
	memcpy(key->magic, "TPRSCMP4", sizeof(key->magic));
	r = build_id_of((const void *)sc_cache_key_init, key->build_id);
	key->arch = env->arch;
	key->libseccomp = v ? (v->major << 16 | v->minor << 8 | v->micro) : 0;
	key->profile_hash = sc_profile_hash(p);
	for (size_t i = 0; i < p->n_rules && i < 64 * ARRAY_SIZE(key->active); i++)
		if (sc_rule_active(&p->rules[i], env))
			key->active[i / 64] |= UINT64_C(1) << (i % 64);
	return r < 0 ? r : 0;
}

static uint64_t key_hash(const struct sc_cache_key *key)
{
	const unsigned char *b = (const unsigned char *)key;
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	/* len is not known before the lookup. */
	for (size_t i = 0; i < offsetof(struct sc_cache_key, len); i++)
		h = (h ^ b[i]) * UINT64_C(0x100000001b3);
	return h;
}

static void entry_name(const struct sc_cache_key *key, char buf[64])
{
	snprintf(buf, 64, "default-%016llx.bpf", (unsigned long long)key_hash(key));
}

static int open_dir(const char *dir, bool create)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (create) {
		_cleanup_free_ char *parent = strdup(dir);
		char *slash = parent ? strrchr(parent, '/') : NULL;

		if (slash && slash != parent) {
			*slash = '\0';
			(void)mkdir_p(parent, 0755);
		}
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return -EPERM;
	return TAKE_FD(fd);
}

int sc_cache_read(const char *dir, const struct sc_cache_key *key, struct security_seccomp **ret)
{
	_cleanup_close_ int dfd = open_dir(dir, false);
	_cleanup_close_ int fd = -1;
	_cleanup_free_ struct security_seccomp *f = NULL;
	struct sc_cache_key got;
	char name[64];
	struct stat st;
	size_t body;

	if (dfd < 0)
		return -ENOENT;
	entry_name(key, name);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0)
		return -ENOENT;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) ||
	    st.st_size < (off_t)sizeof(got))
		return -ENOENT;
	if (pread(fd, &got, sizeof(got), 0) != (ssize_t)sizeof(got))
		return -ENOENT;
	if (memcmp(&got, key, offsetof(struct sc_cache_key, len)) != 0 || got.len == 0 ||
	    got.len > SECCOMP_MAX_INSNS || got.reserved != 0)
		return -ENOENT;
	body = (size_t)got.len * sizeof(f->insns[0]);
	if ((size_t)st.st_size != sizeof(got) + body)
		return -ENOENT;
	f = malloc(sizeof(*f) + body);
	if (!f)
		return -ENOMEM;
	f->len = got.len;
	f->flags = 0;
	if (pread(fd, f->insns, body, sizeof(got)) != (ssize_t)body)
		return -ENOENT;
	*ret = TAKE_PTR(f);
	return 0;
}

int sc_cache_write(const char *dir, const struct sc_cache_key *key, const struct security_seccomp *f)
{
	_cleanup_close_ int dfd = open_dir(dir, true);
	_cleanup_free_ unsigned char *buf = NULL;
	struct sc_cache_key hdr = *key;
	size_t body = f->len * sizeof(f->insns[0]);
	char name[64];

	if (dfd < 0)
		return dfd;
	buf = malloc(sizeof(hdr) + body);
	if (!buf)
		return -ENOMEM;
	hdr.len = (uint32_t)f->len;
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), f->insns, body);
	entry_name(key, name);
	return write_file_atomic_at(dfd, name, buf, sizeof(hdr) + body, 0600);
}
