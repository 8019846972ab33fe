/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oci-resources.c — config.json's "linux.resources". Resources the spec
 * has a name for go there (memory_max, cpu_shares, pids_max, ...); the
 * others become raw cgroup file writes under the v1 name OCI gives them
 * (blkio.throttle.read_bps_device) or, for "unified", the v2 one. The
 * cgroup layer checks those against the host when the container is
 * created and refuses one whose hierarchy is not there, in one line naming
 * the file: never a silent no-op.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/limit-table.h"
#include "spec/oci-internal.h"
#include "spec/oci.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/strv.h"

__attribute__((format(printf, 4, 5))) static int add_raw(struct oci_ctx *c, int version, const char *file,
							 const char *fmt, ...)
{
	_cleanup_free_ char *value = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&value, fmt, ap);
	va_end(ap);
	if (r < 0) {
		value = NULL; /* undefined after a failure */
		return -ENOMEM;
	}
	return spec_add_cgroup_raw(&c->spec->limits, version, file, value);
}

/* ---- resources ------------------------------------------------------- */

static int f_dev_rules(struct oci_ctx *c, const char *path, json_t *v)
{
	static const char *const known[] = { "allow", "type", "major", "minor", "access", NULL };
	struct taper_limits *l = &c->spec->limits;
	json_t *e, *x;
	size_t i;
	int r;

	if ((r = oci_array(c, path, v)) < 0)
		return r;
	json_array_foreach (v, i, e) {
		char at[OCI_PATH_MAX], sub[OCI_PATH_MAX];
		struct taper_device_rule d = { .type = 'a', .major = TAPER_DEV_ANY, .minor = TAPER_DEV_ANY };
		const char *s;
		int64_t n = 0;

		oci_idx(at, path, i);
		if ((r = oci_check_keys(c, at, e, known)) < 0 ||
		    (r = oci_get_bool(c, at, e, "allow", sub, &d.allow)) < 0)
			return r;
		if ((x = oci_member(e, at, "type", sub))) {
			if ((r = oci_string(c, sub, x, &s)) < 0)
				return r;
			if (strlen(s) != 1 || !strchr("abc", s[0]))
				return oci_fail(c, sub, "\"%s\" is not a, b or c", s);
			d.type = s[0];
		}
		if ((x = oci_member(e, at, "major", sub)) && !json_is_null(x)) {
			if ((r = oci_int(c, sub, x, -1, UINT32_MAX, &n)) < 0)
				return r;
			d.major = n;
		}
		if ((x = oci_member(e, at, "minor", sub)) && !json_is_null(x)) {
			if ((r = oci_int(c, sub, x, -1, UINT32_MAX, &n)) < 0)
				return r;
			d.minor = n;
		}
		if ((x = oci_member(e, at, "access", sub))) {
			if ((r = oci_string(c, sub, x, &s)) < 0)
				return r;
			d.access = 0;
			for (const char *p = s; *p; p++) {
				unsigned bit = *p == 'r'   ? TAPER_DEV_READ
					       : *p == 'w' ? TAPER_DEV_WRITE
					       : *p == 'm' ? TAPER_DEV_MKNOD
							   : 0;

				if (!bit || (d.access & bit))
					return oci_fail(c, sub, "\"%s\" is not a set of r, w and m", s);
				d.access |= bit;
			}
		} else {
			d.access = TAPER_DEV_RWM;
		}
		if (!d.access)
			return oci_fail(c, oci_key(sub, at, "access"), "empty");
		if (d.type == 'a')
			d.major = d.minor = TAPER_DEV_ANY;
		if ((r = spec_add_device_rule(l, &d)) < 0)
			return r;
	}
	return 0;
}

/* One resource number: a field of the spec, or a raw v1 write. */
struct res_num {
	const char *key;
	int64_t min, max;
	size_t off;          /* into struct taper_limits, or (size_t)-1 */
	const char *v1_file; /* a raw write when off is -1 */
	int64_t unlimited;   /* this value means no limit (LIMIT_MAX); 0: none */
	bool zero_unset;     /* 0 means not set, as runc reads it */
};

#define LIM(f) offsetof(struct taper_limits, f)
#define RAW ((size_t)-1)

struct res_rows {
	const struct res_num *rows;
	size_t n;
};

static int res_num(struct oci_ctx *c, const char *path, const char *key, json_t *v, void *data)
{
	const struct res_rows *t = data;
	const struct res_num *row = NULL;
	int64_t i = 0;
	int r;

	for (size_t k = 0; k < t->n && !row; k++)
		if (strcmp(t->rows[k].key, key) == 0)
			row = &t->rows[k];
	if (!row)
		return oci_unknown(c, path);
	if (json_is_null(v))
		return 0;
	if ((r = oci_int(c, path, v, row->min, row->max, &i)) < 0)
		return r;
	if (row->zero_unset && i == 0)
		return 0;
	if (row->unlimited && i == row->unlimited)
		i = LIMIT_MAX;
	if (row->off != RAW) {
		*(int64_t *)((char *)&c->spec->limits + row->off) = i;
		return 0;
	}
	if (i == LIMIT_MAX)
		return add_raw(c, 1, row->v1_file, "-1");
	return add_raw(c, 1, row->v1_file, "%lld", (long long)i);
}

static int res_nums(struct oci_ctx *c, const char *path, json_t *v, const struct res_num *rows, size_t n)
{
	struct res_rows t = { rows, n };

	return oci_each(c, path, v, res_num, &t);
}

static int f_memory(struct oci_ctx *c, const char *path, json_t *v)
{
	static const struct res_num rows[] = {
		{ "limit", -1, INT64_MAX, LIM(memory_max), NULL, -1, true },
		{ "reservation", -1, INT64_MAX, RAW, "memory.soft_limit_in_bytes", -1, true },
		{ "swappiness", 0, 100, RAW, "memory.swappiness", 0, false },
	};
	struct taper_limits *l = &c->spec->limits;
	json_t *filtered, *x;
	char sub[OCI_PATH_MAX];
	const char *key;
	json_t *val;
	int64_t swap = 0;
	int r;

	if ((r = oci_object(c, path, v)) < 0)
		return r;
	/* The rows that are not plain numbers first, then the rest. */
	filtered = json_object();
	if (!filtered)
		return -ENOMEM;
	r = 0;
	json_object_foreach (v, key, val) {
		oci_key(sub, path, key);
		if (strcmp(key, "swap") == 0)
			continue;
		if (strcmp(key, "kernel") == 0 || strcmp(key, "kernelTCP") == 0) {
			if (!json_is_null(val)) {
				r = oci_fail(c, sub,
					     "kernel memory limits are not supported (deprecated, and "
					     "ignored by current kernels)");
				break;
			}
		} else if (strcmp(key, "disableOOMKiller") == 0 || strcmp(key, "useHierarchy") == 0) {
			bool b;

			if ((r = oci_bool(c, sub, val, &b)) < 0)
				break;
			if (strcmp(key, "useHierarchy") == 0)
				r = add_raw(c, 1, "memory.use_hierarchy", "%d", b);
			else if (b)
				r = add_raw(c, 1, "memory.oom_control", "1");
			if (r < 0)
				break;
		} else if (strcmp(key, "checkBeforeUpdate") == 0) {
			bool b;

			/* It concerns a later update only: taper's checks
			 * a lowered limit against the usage always. */
			if ((r = oci_bool(c, sub, val, &b)) < 0)
				break;
		} else if (json_object_set_new(filtered, key, json_incref(val)) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0)
		r = res_nums(c, path, filtered, rows, ARRAY_SIZE(rows));
	json_decref(filtered);
	if (r < 0)
		return r;
	if ((x = oci_member(v, path, "swap", sub)) && !json_is_null(x)) {
		/* OCI's swap is memory and swap together (v1's memsw). */
		if ((r = oci_int(c, sub, x, -1, INT64_MAX, &swap)) < 0)
			return r;
		if (swap == -1)
			l->swap_max = LIMIT_MAX;
		else if (swap == 0)
			; /* not set, as runc reads it */
		else if (l->memory_max == TAPER_UNSET || l->memory_max == LIMIT_MAX)
			return oci_fail(c, sub, "a memory+swap limit needs memory.limit");
		else if (swap < l->memory_max)
			return oci_fail(c, sub, "%lld is below memory.limit %lld (it counts memory and swap)",
					(long long)swap, (long long)l->memory_max);
		else
			l->swap_max = swap - l->memory_max;
	}
	return 0;
}

static int f_cpu(struct oci_ctx *c, const char *path, json_t *v)
{
	static const struct res_num rows[] = {
		{ "shares", 0, 262144, LIM(cpu_shares), NULL, 0, true },
		{ "quota", -1, INT64_MAX, LIM(cpu_quota_us), NULL, -1, true },
		{ "period", 0, 1000000, LIM(cpu_period_us), NULL, 0, true },
		{ "burst", 0, INT64_MAX, RAW, "cpu.cfs_burst_us", 0, false },
		{ "realtimeRuntime", -1, INT64_MAX, RAW, "cpu.rt_runtime_us", -1, false },
		{ "realtimePeriod", 0, INT64_MAX, RAW, "cpu.rt_period_us", 0, true },
	};
	json_t *filtered;
	const char *key;
	json_t *val;
	int r;

	if ((r = oci_object(c, path, v)) < 0)
		return r;
	if (!(filtered = json_object()))
		return -ENOMEM;
	json_object_foreach (v, key, val) {
		char sub[OCI_PATH_MAX];
		const char *s;

		oci_key(sub, path, key);
		if (strcmp(key, "cpus") == 0 || strcmp(key, "mems") == 0) {
			char **dst =
				key[0] == 'c' ? &c->spec->limits.cpuset_cpus : &c->spec->limits.cpuset_mems;

			if ((r = oci_string(c, sub, val, &s)) < 0)
				break;
			if (!*s)
				continue;
			if (strspn(s, "0123456789,-") != strlen(s)) {
				r = oci_fail(c, sub, "\"%s\" is not a list of numbers and ranges", s);
				break;
			}
			free(*dst);
			if (!(*dst = strdup(s))) {
				r = -ENOMEM;
				break;
			}
		} else if (strcmp(key, "idle") == 0) {
			int64_t i = 0;

			if ((r = oci_int(c, sub, val, 0, 1, &i)) < 0 ||
			    (r = add_raw(c, 2, "cpu.idle", "%lld", (long long)i)) < 0)
				break;
		} else if (json_object_set_new(filtered, key, json_incref(val)) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0)
		r = res_nums(c, path, filtered, rows, ARRAY_SIZE(rows));
	json_decref(filtered);
	return r;
}

static int f_pids(struct oci_ctx *c, const char *path, json_t *v)
{
	static const char *const known[] = { "limit", NULL };
	char sub[OCI_PATH_MAX];
	json_t *x;
	int64_t n = 0;
	int r;

	if ((r = oci_check_keys(c, path, v, known)) < 0)
		return r;
	if (!(x = oci_member(v, path, "limit", sub)))
		return 0;
	if ((r = oci_int(c, sub, x, INT64_MIN, INT64_MAX, &n)) < 0)
		return r;
	/* 0 and negative: no limit, as runc reads them. */
	c->spec->limits.pids_max = n > 0 ? n : LIMIT_MAX;
	return 0;
}

/* [{major, minor, <key>}] into one raw v1 line "MAJ:MIN VALUE" each. */
static int dev_lines(struct oci_ctx *c, const char *path, json_t *v, const char *key, const char *file)
{
	const char *const known[] = { "major", "minor", key, NULL };
	json_t *e;
	size_t i;
	int r;

	if ((r = oci_array(c, path, v)) < 0)
		return r;
	json_array_foreach (v, i, e) {
		char at[OCI_PATH_MAX], sub[OCI_PATH_MAX];
		uint32_t maj, min;
		uint64_t val = 0;

		oci_idx(at, path, i);
		if ((r = oci_check_keys(c, at, e, known)) < 0 ||
		    (r = oci_get_u32(c, at, e, "major", sub, &maj)) < 0 ||
		    (r = oci_get_u32(c, at, e, "minor", sub, &min)) < 0 ||
		    (r = oci_get_u64(c, at, e, key, sub, &val)) < 0 ||
		    (r = add_raw(c, 1, file, "%u:%u %llu", maj, min, (unsigned long long)val)) < 0)
			return r;
	}
	return 0;
}

static int f_block_io(struct oci_ctx *c, const char *path, json_t *v)
{
	static const struct {
		const char *key, *value_key, *file;
	} lists[] = {
		{ "throttleReadBpsDevice", "rate", "blkio.throttle.read_bps_device" },
		{ "throttleWriteBpsDevice", "rate", "blkio.throttle.write_bps_device" },
		{ "throttleReadIOPSDevice", "rate", "blkio.throttle.read_iops_device" },
		{ "throttleWriteIOPSDevice", "rate", "blkio.throttle.write_iops_device" },
	};
	const char *key;
	json_t *val;
	int r;

	if ((r = oci_object(c, path, v)) < 0)
		return r;
	json_object_foreach (v, key, val) {
		char sub[OCI_PATH_MAX];
		int64_t w = 0;

		r = 1;
		oci_key(sub, path, key);
		for (size_t k = 0; k < ARRAY_SIZE(lists) && r == 1; k++)
			if (strcmp(lists[k].key, key) == 0)
				r = dev_lines(c, sub, val, lists[k].value_key, lists[k].file);
		if (r == 1 && strcmp(key, "weight") == 0) {
			if ((r = oci_int(c, sub, val, 10, 1000, &w)) == 0)
				c->spec->limits.io_weight = limit_blkio_to_io_weight(w);
		} else if (r == 1 && strcmp(key, "leafWeight") == 0) {
			if ((r = oci_int(c, sub, val, 10, 1000, &w)) == 0)
				r = add_raw(c, 1, "blkio.leaf_weight", "%lld", (long long)w);
		} else if (r == 1 && strcmp(key, "weightDevice") == 0) {
			static const char *const known[] = { "major", "minor", "weight", "leafWeight", NULL };
			json_t *e;
			size_t i;

			if ((r = oci_array(c, sub, val)) < 0)
				return r;
			json_array_foreach (val, i, e) {
				char at[OCI_PATH_MAX], f[OCI_PATH_MAX];
				uint32_t maj, min;
				json_t *x;

				oci_idx(at, sub, i);
				if ((r = oci_check_keys(c, at, e, known)) < 0 ||
				    (r = oci_get_u32(c, at, e, "major", f, &maj)) < 0 ||
				    (r = oci_get_u32(c, at, e, "minor", f, &min)) < 0)
					return r;
				if ((x = oci_member(e, at, "weight", f)) &&
				    ((r = oci_int(c, f, x, 10, 1000, &w)) < 0 ||
				     (r = add_raw(c, 1, "blkio.weight_device", "%u:%u %lld", maj, min,
						  (long long)w)) < 0))
					return r;
				if ((x = oci_member(e, at, "leafWeight", f)) &&
				    ((r = oci_int(c, f, x, 10, 1000, &w)) < 0 ||
				     (r = add_raw(c, 1, "blkio.leaf_weight_device", "%u:%u %lld", maj, min,
						  (long long)w)) < 0))
					return r;
			}
			r = 0;
		} else if (r == 1) {
			r = oci_unknown(c, sub);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int f_hugepages(struct oci_ctx *c, const char *path, json_t *v)
{
	static const char *const known[] = { "pageSize", "limit", NULL };
	json_t *e;
	size_t i;
	int r;

	if ((r = oci_array(c, path, v)) < 0)
		return r;
	json_array_foreach (v, i, e) {
		char at[OCI_PATH_MAX], sub[OCI_PATH_MAX], file[96];
		const char *size;
		uint64_t limit = 0;

		oci_idx(at, path, i);
		if ((r = oci_check_keys(c, at, e, known)) < 0 ||
		    (r = oci_get_string(c, at, e, "pageSize", sub, &size)) < 0)
			return r;
		if (!*size || strlen(size) > 16 || strspn(size, "0123456789KMGB") != strlen(size))
			return oci_fail(c, sub, "\"%s\" is not a page size like 2MB", size);
		if ((r = oci_get_u64(c, at, e, "limit", sub, &limit)) < 0)
			return r;
		snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", size);
		if ((r = add_raw(c, 1, file, "%llu", (unsigned long long)limit)) < 0)
			return r;
	}
	return 0;
}

static int f_network_res(struct oci_ctx *c, const char *path, json_t *v)
{
	static const char *const known[] = { "classID", "priorities", NULL };
	char sub[OCI_PATH_MAX];
	json_t *x, *e;
	size_t i;
	int r;

	if ((r = oci_check_keys(c, path, v, known)) < 0)
		return r;
	if ((x = oci_member(v, path, "classID", sub))) {
		uint32_t id = 0;

		if ((r = oci_u32(c, sub, x, &id)) < 0 || (r = add_raw(c, 1, "net_cls.classid", "%u", id)) < 0)
			return r;
	}
	if (!(x = oci_member(v, path, "priorities", sub)))
		return 0;
	if ((r = oci_array(c, sub, x)) < 0)
		return r;
	json_array_foreach (x, i, e) {
		static const char *const pk[] = { "name", "priority", NULL };
		char at[OCI_PATH_MAX], f[OCI_PATH_MAX];
		const char *name;
		uint32_t prio = 0;

		oci_idx(at, sub, i);
		if ((r = oci_check_keys(c, at, e, pk)) < 0 ||
		    (r = oci_get_string(c, at, e, "name", f, &name)) < 0)
			return r;
		if (!*name || strlen(name) >= 16 || strpbrk(name, " /\n"))
			return oci_fail(c, f, "\"%s\" is not an interface name", name);
		if ((r = oci_get_u32(c, at, e, "priority", f, &prio)) < 0 ||
		    (r = add_raw(c, 1, "net_prio.ifpriomap", "%s %u", name, prio)) < 0)
			return r;
	}
	return 0;
}

static int f_rdma(struct oci_ctx *c, const char *path, json_t *v)
{
	const char *dev;
	json_t *lim;
	int r;

	if ((r = oci_object(c, path, v)) < 0)
		return r;
	json_object_foreach (v, dev, lim) {
		static const char *const known[] = { "hcaHandles", "hcaObjects", NULL };
		char at[OCI_PATH_MAX], sub[OCI_PATH_MAX];
		uint32_t h = 0, o = 0;
		json_t *x;

		oci_key(at, path, dev);
		if (!*dev || strpbrk(dev, " \n=/"))
			return oci_fail(c, at, "not a device name");
		if ((r = oci_check_keys(c, at, lim, known)) < 0)
			return r;
		if ((x = oci_member(lim, at, "hcaHandles", sub)) && (r = oci_u32(c, sub, x, &h)) < 0)
			return r;
		if ((x = oci_member(lim, at, "hcaObjects", sub)) && (r = oci_u32(c, sub, x, &o)) < 0)
			return r;
		if ((r = add_raw(c, 1, "rdma.max", "%s hca_handle=%u hca_object=%u", dev, h, o)) < 0)
			return r;
	}
	return 0;
}

static int unified(struct oci_ctx *c, const char *path, const char *key, const char *value)
{
	if (!*key || key[0] == '.' || strchr(key, '/') || !strchr(key, '.') ||
	    strncmp(key, "cgroup.", 7) == 0)
		return oci_fail(c, path, "not a controller's file of cgroup v2");
	return add_raw(c, 2, key, "%s", value);
}

static int f_unified(struct oci_ctx *c, const char *path, json_t *v)
{
	return oci_string_map(c, path, v, unified);
}

static const struct oci_field resource_fields[] = {
	{ "devices", f_dev_rules, NULL },
	{ "memory", f_memory, NULL },
	{ "cpu", f_cpu, NULL },
	{ "pids", f_pids, NULL },
	{ "blockIO", f_block_io, NULL },
	{ "hugepageLimits", f_hugepages, NULL },
	{ "network", f_network_res, NULL },
	{ "rdma", f_rdma, NULL },
	{ "unified", f_unified, NULL },
	{ NULL, NULL, NULL },
};

int oci_resources(struct oci_ctx *c, const char *path, json_t *v)
{
	return oci_walk(c, path, v, resource_fields);
}
