/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/parse.h"

int parse_u64(const char *s, uint64_t *ret)
{
	char *end = NULL;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	uint64_t v;
	int r = parse_u64(s, &v);

	if (r < 0)
		return r;
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_i64(const char *s, int64_t *ret)
{
	char *end = NULL;
	long long v;

	if (!s || !(isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *ret)
{
	uint64_t v;
	int r = parse_u64_range(s, 0, UINT32_MAX, &v);

	if (r < 0)
		return r;
	*ret = (uint32_t)v;
	return 0;
}

int parse_size(const char *s, uint64_t *ret)
{
	static const struct {
		char c;
		unsigned shift;
	} units[] = { { 'k', 10 }, { 'm', 20 }, { 'g', 30 }, { 't', 40 } };
	char *end = NULL;
	unsigned long long v;
	unsigned shift = 0;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno)
		return -EINVAL;
	if (*end) {
		size_t i;

		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (tolower((unsigned char)*end) == units[i].c)
				break;
		if (i == sizeof(units) / sizeof(units[0])) {
			if (strcasecmp(end, "b") != 0)
				return -EINVAL;
		} else {
			shift = units[i].shift;
			end++;
			if (*end && strcasecmp(end, "b") != 0 && strcasecmp(end, "ib") != 0)
				return -EINVAL;
		}
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*ret = (uint64_t)v << shift;
	return 0;
}

int parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_cpus(const char *s, uint64_t *ret_micro)
{
	uint64_t whole = 0, frac = 0;
	unsigned digits = 0;
	const char *p = s;

	if (!s || !isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 1000000)
			return -ERANGE;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++) {
			if (++digits > 6)
				return -EINVAL;
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
	}
	if (*p)
		return -EINVAL;
	for (; digits < 6; digits++)
		frac *= 10;
	if (whole == 0 && frac == 0)
		return -ERANGE;
	*ret_micro = whole * 1000000 + frac;
	return 0;
}

int parse_cpu_set(const char *s, unsigned limit, unsigned flags, unsigned char *bits, unsigned *ret_id)
{
	bool kernel = flags & CPU_LIST_KERNEL;
	const char *p = s;
	long last = -1;

	if (bits)
		memset(bits, 0, (limit + 7) / 8);
	if (!s)
		return -EINVAL;
	if (kernel) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p) {
			if (ret_id)
				*ret_id = 0;
			return 0; /* an empty set */
		}
	} else if (!*p) {
		return -EINVAL;
	}
	for (;;) {
		unsigned long a, b;
		char *end;

		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		a = strtoul(p, &end, 10);
		p = end;
		b = a;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			b = strtoul(p, &end, 10);
			p = end;
		}
		if (b < a || (!kernel && (long)a <= last))
			return -EINVAL;
		if (b >= limit) {
			/* The first id past the end: what a message names. */
			if (ret_id)
				*ret_id = a > limit ? (unsigned)a : limit;
			if (bits)
				for (unsigned long i = a; i < limit; i++)
					bits[i / 8] |= (unsigned char)(1u << (i % 8));
			return -ERANGE;
		}
		if (bits)
			for (unsigned long i = a; i <= b; i++)
				bits[i / 8] |= (unsigned char)(1u << (i % 8));
		if ((long)b > last)
			last = (long)b;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\0' || (kernel && *p == '\n'))
			break;
		return -EINVAL;
	}
	if (ret_id)
		*ret_id = (unsigned)last;
	return 0;
}

int parse_cpu_list(const char *s, unsigned limit, unsigned *ret_max)
{
	unsigned max;
	int r = parse_cpu_set(s, limit, 0, NULL, &max);

	if (r == 0 && ret_max)
		*ret_max = max;
	return r;
}

/* [A-Za-z0-9][A-Za-z0-9_.-]*, at most max characters. */
static bool name_chars_valid(const char *s, size_t max)
{
	size_t n;

	if (!s || !isascii((unsigned char)s[0]) || !isalnum((unsigned char)s[0]))
		return false;
	n = strlen(s);
	if (n > max)
		return false;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(isascii(c) && (isalnum(c) || c == '_' || c == '.' || c == '-')))
			return false;
	}
	return true;
}

bool name_is_valid(const char *s)
{
	return name_chars_valid(s, 64);
}

int parse_id_file(const char *text, const char *name, uint32_t *ret, uint32_t *ret_group)
{
	char *copy = strdup(text);
	uint32_t want = 0;
	bool numeric = parse_u32(name, &want) == 0;
	int r = -ENOENT;

	if (!copy)
		return -ENOMEM;
	for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		/* name:password:id:group:... */
		char *f[5] = { line }, *colon;
		uint32_t id, group;

		for (int i = 1; i < 5 && f[i - 1] && (colon = strchr(f[i - 1], ':')); i++) {
			*colon = '\0';
			f[i] = colon + 1;
		}
		if (numeric ? !f[2] || parse_u32(f[2], &id) < 0 || id != want : strcmp(line, name) != 0)
			continue;
		if (!f[2] || parse_u32(f[2], ret) < 0) {
			r = -EINVAL;
			break;
		}
		if (ret_group && f[3] && parse_u32(f[3], &group) == 0)
			*ret_group = group;
		r = 0;
		break;
	}
	free(copy);
	return r;
}

/* A cgroup directory's name: a name_is_valid() one, but as long as the
 * filesystem takes it (podman's "libpod-<64 hex digits>"). */
static bool cgroup_name_is_valid(const char *s)
{
	return name_chars_valid(s, 255);
}

bool cgroup_path_is_valid(const char *s)
{
	char buf[CGROUP_PATH_MAX];
	char *save = NULL;
	int n = 0;

	if (!s)
		return false;
	if (*s == '/')
		s++;
	if (!*s || *s == '/' || strlen(s) >= sizeof(buf) - 1 || s[strlen(s) - 1] == '/' || strstr(s, "//"))
		return false;
	strcpy(buf, s);
	for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save), n++)
		if (!cgroup_name_is_valid(c))
			return false;
	return n > 0;
}
