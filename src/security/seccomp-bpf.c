/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-bpf.c — our own classic-BPF generator for a profile, with range
 * checks instead of one JEQ per syscall name.
 *
 * Contract: sc_generate(p, env) returns a program whose verdict equals that
 * of sc_compile(p, env) (libseccomp 2.5, the reference) for every arch,
 * syscall number and argument vector, or -EOPNOTSUPP when the profile falls
 * outside the shapes below; the caller then uses libseccomp. The unit test
 * test_seccomp_bpf runs both programs in a BPF interpreter to prove it.
 *
 * Inputs are the same as libseccomp's: the active rules (sc_rule_active)
 * whose action is not the default one, each name resolved per arch by
 * libseccomp (seccomp_syscall_resolve_name_arch). What it handles, which is
 * what the default profile needs:
 *   - the x86_64 native set {x86_64, x86, x32}. x86_64 and x32 share
 *     AUDIT_ARCH_X86_64 and, as in libseccomp, one section: x32 numbers
 *     carry __X32_SYSCALL_BIT, so the two never meet. x86_64 compares the
 *     64-bit arguments, x86 and x32 only the low 32 bits (libseccomp's
 *     32-bit arch size).
 *   - per syscall, either unconditional rules of one action, or argument
 *     rules of one action (ORed, each an AND of EQ, NE, MASKED_EQ on
 *     distinct arguments); an unconditional rule of the same action
 *     subsumes the argument rules. Mixed actions are not handled.
 *   - names libseccomp resolves to a pseudo number (no such syscall on the
 *     arch) emit nothing, as libseccomp's BPF does; on x86 the socketcall
 *     and ipc families map to their direct syscall, if any, and to the
 *     multiplexer, which must then be allowed unconditionally with the
 *     same action (so the multiplexed copy adds nothing).
 *
 * Program: load arch, dispatch to one section per audit arch (else
 * SECCOMP_RET_KILL_THREAD, libseccomp's bad-arch action); a section loads
 * the number and walks a balanced binary tree of JGE over the sorted runs
 * of numbers with one verdict, so a run of 40 allowed syscalls is one
 * compare, not 40. A leaf is a RET, or for an argument-filtered syscall the
 * ORed argument checks followed by RET default. Jumps farther than the
 * 8-bit offset of a conditional jump go through a JA.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "security/seccomp-internal.h"
#include "util/cleanup.h"
#include "util/err.h"

#define X32_SYSCALL_BIT 0x40000000u
#define X86_NR_SOCKETCALL 102
#define X86_NR_IPC 117
/* Highest x86 number scanned for the direct socket and ipc syscalls. */
#define X86_SCAN_MAX 1023
/* Argument rules for one syscall (personality has five). */
#define MAX_COND 16

/* The verdict for one syscall number in one section. */
struct sc_call {
	uint32_t nr;
	uint32_t action;
	bool unconditional;
	bool wide; /* compare 64-bit arguments */
	const struct sc_rule *cond[MAX_COND];
	size_t n_cond;
};

struct section {
	struct sc_call *calls;
	size_t n, cap;
	/* x86: action the socketcall / ipc multiplexer must have, 0: none. */
	uint32_t need_mux[2];
	bool mux_needed[2];
};

struct prog {
	struct sock_filter *v;
	size_t len, cap;
};

static void section_clear(struct section *s)
{
	free(s->calls);
}

static void prog_clear(struct prog *p)
{
	free(p->v);
}

static int emit(struct prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (p->len == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct sock_filter *v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->len++] = (struct sock_filter){ code, jt, jf, k };
	return 0;
}

static int append(struct prog *p, const struct prog *q)
{
	for (size_t i = 0; i < q->len; i++) {
		int r = emit(p, q->v[i].code, q->v[i].jt, q->v[i].jf, q->v[i].k);

		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- collecting the verdicts ---- */

static bool args_supported(const struct sc_rule *r, bool wide)
{
	for (size_t i = 0; i < r->n_args; i++) {
		const struct sc_arg *a = &r->args[i];

		if (a->index >= SECCOMP_MAX_ARGS)
			return false;
		if (a->op != SCMP_CMP_EQ && a->op != SCMP_CMP_NE && a->op != SCMP_CMP_MASKED_EQ)
			return false;
		if (!wide && (a->value >> 32 || (a->op == SCMP_CMP_MASKED_EQ && a->value_two >> 32)))
			return false;
		for (size_t j = i + 1; j < r->n_args; j++)
			if (a->index == r->args[j].index)
				return false;
	}
	return true;
}

static int section_add(struct section *s, uint32_t nr, const struct sc_rule *r, bool wide)
{
	struct sc_call *c = NULL;

	for (size_t i = 0; i < s->n && !c; i++)
		if (s->calls[i].nr == nr)
			c = &s->calls[i];
	if (!c) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 256;
			struct sc_call *v = realloc(s->calls, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			s->calls = v;
			s->cap = cap;
		}
		c = &s->calls[s->n++];
		*c = (struct sc_call){ .nr = nr, .action = r->action, .wide = wide };
	}
	if (c->wide != wide)
		return -EOPNOTSUPP;
	if (r->n_args == 0) {
		if ((c->unconditional || c->n_cond) && c->action != r->action)
			return -EOPNOTSUPP;
		c->unconditional = true;
		c->n_cond = 0;
		return 0;
	}
	if (!args_supported(r, wide) || c->action != r->action)
		return -EOPNOTSUPP;
	if (c->unconditional)
		return 0; /* subsumed */
	if (c->n_cond == MAX_COND)
		return -EOPNOTSUPP;
	c->cond[c->n_cond++] = r;
	return 0;
}

/* libseccomp's pseudo numbers of the x86 socketcall and ipc calls. */
static int x86_mux_of(int nr)
{
	if (nr <= -101 && nr >= -120)
		return 0;
	if (nr <= -201 && nr >= -299)
		return 1;
	return -1;
}

/* x86 direct syscall of a multiplexed call, found through libseccomp's
 * own table: the number whose name resolves to the pseudo number. */
struct x86_direct {
	int pseudo[X86_SCAN_MAX + 1]; /* by direct number; 0: none */
};

static void x86_direct_init(struct x86_direct *d)
{
	for (int nr = 0; nr <= X86_SCAN_MAX; nr++) {
		_cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86, nr);
		int pseudo = name ? seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name) : 0;

		d->pseudo[nr] = pseudo != nr && x86_mux_of(pseudo) >= 0 ? pseudo : 0;
	}
}

static int x86_direct_nr(const struct x86_direct *d, int pseudo)
{
	for (int nr = 0; nr <= X86_SCAN_MAX; nr++)
		if (d->pseudo[nr] == pseudo)
			return nr;
	return -1;
}

static int add_name(struct section *s, uint32_t arch, const char *name, const struct sc_rule *r,
		    const struct x86_direct *x86)
{
	int nr = seccomp_syscall_resolve_name_arch(arch, name);
	int mux;

	if (nr == __NR_SCMP_ERROR)
		return 0;
	if (nr >= 0)
		return section_add(s, (uint32_t)nr, r, arch == SCMP_ARCH_X86_64);
	mux = arch == SCMP_ARCH_X86 ? x86_mux_of(nr) : -1;
	if (mux < 0)
		return 0; /* not on this arch: libseccomp emits nothing */
	if (s->mux_needed[mux] && s->need_mux[mux] != r->action)
		return -EOPNOTSUPP;
	s->mux_needed[mux] = true;
	s->need_mux[mux] = r->action;
	nr = x86_direct_nr(x86, nr);
	return nr < 0 ? 0 : section_add(s, (uint32_t)nr, r, false);
}

static int mux_check(const struct section *s)
{
	static const uint32_t mux_nr[2] = { X86_NR_SOCKETCALL, X86_NR_IPC };

	for (size_t m = 0; m < 2; m++) {
		bool ok = false;

		if (!s->mux_needed[m])
			continue;
		for (size_t i = 0; i < s->n; i++)
			if (s->calls[i].nr == mux_nr[m])
				ok = s->calls[i].unconditional && s->calls[i].action == s->need_mux[m];
		if (!ok)
			return -EOPNOTSUPP;
	}
	return 0;
}

static int cmp_call(const void *a, const void *b)
{
	uint32_t x = ((const struct sc_call *)a)->nr, y = ((const struct sc_call *)b)->nr;

	return x < y ? -1 : x > y;
}

/* ---- code ---- */

/* One run of numbers [lo, next run's lo) with one verdict: call NULL is a
 * plain RET action. */
struct seg {
	uint32_t lo;
	uint32_t action;
	const struct sc_call *call;
};

#define ARG_LO(i) ((uint32_t)offsetof(struct seccomp_data, args) + 8 * (uint32_t)(i))
#define ARG_HI(i) (ARG_LO(i) + 4)
#define FAIL 0xff /* placeholder: jump to the next rule */

/* One argument rule: its checks, then RET action. Every failing check
 * jumps just past the RET, to the next rule. */
static int emit_rule(struct prog *p, const struct sc_rule *r, uint32_t action, bool wide)
{
	struct prog b = { 0 };
	int ret = 0;

	for (size_t i = 0; i < r->n_args && ret == 0; i++) {
		const struct sc_arg *a = &r->args[i];
		/* MASKED_EQ: value is the mask, value_two the datum. */
		uint64_t want = a->op == SCMP_CMP_MASKED_EQ ? a->value_two : a->value;
		uint16_t ld = BPF_LD | BPF_W | BPF_ABS, jeq = BPF_JMP | BPF_JEQ | BPF_K;
		uint16_t andk = BPF_ALU | BPF_AND | BPF_K;

		if (a->op == SCMP_CMP_NE) {
			/* Passes when either word differs. */
			if (wide) {
				ret = ret ?: emit(&b, ld, 0, 0, ARG_HI(a->index));
				ret = ret ?: emit(&b, jeq, 0, 2, (uint32_t)(want >> 32));
			}
			ret = ret ?: emit(&b, ld, 0, 0, ARG_LO(a->index));
			ret = ret ?: emit(&b, jeq, FAIL, 0, (uint32_t)want);
			continue;
		}
		if (wide) {
			ret = ret ?: emit(&b, ld, 0, 0, ARG_HI(a->index));
			if (a->op == SCMP_CMP_MASKED_EQ)
				ret = ret ?: emit(&b, andk, 0, 0, (uint32_t)(a->value >> 32));
			ret = ret ?: emit(&b, jeq, 0, FAIL, (uint32_t)(want >> 32));
		}
		ret = ret ?: emit(&b, ld, 0, 0, ARG_LO(a->index));
		if (a->op == SCMP_CMP_MASKED_EQ)
			ret = ret ?: emit(&b, andk, 0, 0, (uint32_t)a->value);
		ret = ret ?: emit(&b, jeq, 0, FAIL, (uint32_t)want);
	}
	ret = ret ?: emit(&b, BPF_RET | BPF_K, 0, 0, action);
	if (ret == 0) {
		/* A rule is at most 6 * 6 + 1 instructions: offsets fit. */
		for (size_t i = 0; i < b.len; i++) {
			if (BPF_CLASS(b.v[i].code) != BPF_JMP)
				continue;
			if (b.v[i].jt == FAIL)
				b.v[i].jt = (uint8_t)(b.len - i - 1);
			if (b.v[i].jf == FAIL)
				b.v[i].jf = (uint8_t)(b.len - i - 1);
		}
		ret = append(p, &b);
	}
	prog_clear(&b);
	return ret;
}

static int emit_leaf(struct prog *p, const struct seg *s, uint32_t def)
{
	int r;

	if (!s->call)
		return emit(p, BPF_RET | BPF_K, 0, 0, s->action);
	for (size_t i = 0; i < s->call->n_cond; i++) {
		r = emit_rule(p, s->call->cond[i], s->call->action, s->call->wide);
		if (r < 0)
			return r;
	}
	return emit(p, BPF_RET | BPF_K, 0, 0, def);
}

/* A holds the syscall number, which is at least s[0].lo. */
static int emit_tree(struct prog *p, const struct seg *s, size_t n, uint32_t def)
{
	struct prog left = { 0 };
	size_t mid = n / 2;
	int r;

	if (n == 1)
		return emit_leaf(p, &s[0], def);
	r = emit_tree(&left, s, mid, def);
	if (r == 0 && left.len <= 255) {
		r = emit(p, BPF_JMP | BPF_JGE | BPF_K, (uint8_t)left.len, 0, s[mid].lo);
	} else if (r == 0) {
		r = emit(p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, s[mid].lo);
		r = r ?: emit(p, BPF_JMP | BPF_JA, 0, 0, (uint32_t)left.len);
	}
	r = r ?: append(p, &left);
	prog_clear(&left);
	return r ?: emit_tree(p, s + mid, n - mid, def);
}

static int push_seg(struct seg *v, size_t *n, uint32_t lo, uint32_t action, const struct sc_call *call)
{
	/* Runs of one plain verdict merge. */
	if (*n && !call && !v[*n - 1].call && v[*n - 1].action == action)
		return 0;
	v[(*n)++] = (struct seg){ .lo = lo, .action = action, .call = call };
	return 0;
}

static int emit_section(struct prog *p, struct section *s, uint32_t def)
{
	_cleanup_free_ struct seg *segs = calloc(2 * s->n + 1, sizeof(*segs));
	size_t n = 0;
	uint64_t next = 0;

	if (!segs)
		return -ENOMEM;
	qsort(s->calls, s->n, sizeof(*s->calls), cmp_call);
	for (size_t i = 0; i < s->n; i++) {
		const struct sc_call *c = &s->calls[i];

		if (c->nr > next)
			push_seg(segs, &n, (uint32_t)next, def, NULL);
		push_seg(segs, &n, c->nr, c->action, c->unconditional ? NULL : c);
		next = (uint64_t)c->nr + 1;
	}
	if (next <= UINT32_MAX)
		push_seg(segs, &n, (uint32_t)next, def, NULL);
	return emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr)) ?:
		       emit_tree(p, segs, n, def);
}

static bool arch_set_supported(const struct sc_profile *p, const struct sc_env *env)
{
	uint32_t compat[SECCOMP_MAX_ARCHES];
	const uint32_t *arches = p->arches;
	size_t n = p->n_arches;
	unsigned seen = 0;

	if (n == 0) {
		if (env->arch != SCMP_ARCH_X86_64)
			return false;
		n = sc_compat_arches(env->arch, compat);
		arches = compat;
		seen |= 1; /* the native arch is always in */
	}
	for (size_t i = 0; i < n; i++)
		seen |= arches[i] == SCMP_ARCH_X86_64 ? 1 : arches[i] == SCMP_ARCH_X86 ? 2 : arches[i] == SCMP_ARCH_X32 ? 4 : 8;
	return seen == 7;
}

int sc_generate(const struct sc_profile *p, const struct sc_env *env, struct taper_seccomp **ret,
		struct taper_err *err)
{
	_cleanup_(section_clear) struct section s64 = { 0 }, s32 = { 0 };
	_cleanup_(prog_clear) struct prog out = { 0 }, body64 = { 0 }, body32 = { 0 };
	_cleanup_free_ struct x86_direct *x86 = NULL;
	_cleanup_free_ struct taper_seccomp *f = NULL;
	uint32_t def = p->default_action;
	int r = 0;

	if (!arch_set_supported(p, env))
		return -EOPNOTSUPP;
	x86 = malloc(sizeof(*x86));
	if (!x86)
		return taper_err_set(err, ENOMEM, "generate seccomp filter");
	x86_direct_init(x86);
	for (size_t i = 0; i < p->n_rules && r == 0; i++) {
		const struct sc_rule *rule = &p->rules[i];

		if (!sc_rule_active(rule, env) || rule->action == def)
			continue;
		for (const char *const *n = rule->names; *n && r == 0; n++) {
			r = add_name(&s64, SCMP_ARCH_X86_64, *n, rule, x86);
			r = r ?: add_name(&s64, SCMP_ARCH_X32, *n, rule, x86);
			r = r ?: add_name(&s32, SCMP_ARCH_X86, *n, rule, x86);
		}
	}
	r = r ?: mux_check(&s32);
	if (r == -EOPNOTSUPP)
		return r;
	r = r ?: emit_section(&body64, &s64, def);
	r = r ?: emit_section(&body32, &s32, def);
	/* Dispatch: JA takes a 32-bit offset, so the sections may be long. */
	r = r ?: emit(&out, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
	r = r ?: emit(&out, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, AUDIT_ARCH_X86_64);
	r = r ?: emit(&out, BPF_JMP | BPF_JA, 0, 0, 3);
	r = r ?: emit(&out, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, AUDIT_ARCH_I386);
	r = r ?: emit(&out, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(1 + body64.len));
	r = r ?: emit(&out, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_THREAD);
	r = r ?: append(&out, &body64);
	r = r ?: append(&out, &body32);
	if (r < 0)
		return taper_err_set(err, -r, "generate seccomp filter");
	if (out.len > SECCOMP_MAX_INSNS)
		return taper_err_set(err, E2BIG, "generate seccomp filter: %zu instructions", out.len);
	f = malloc(sizeof(*f) + out.len * sizeof(f->insns[0]));
	if (!f)
		return taper_err_set(err, ENOMEM, "generate seccomp filter");
	f->len = out.len;
	f->flags = p->flags;
	memcpy(f->insns, out.v, out.len * sizeof(f->insns[0]));
	*ret = TAKE_PTR(f);
	return 0;
}
