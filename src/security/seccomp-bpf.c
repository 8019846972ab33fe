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
 *     distinct arguments; MASKED_EQ compares with the masked datum, as
 *     libseccomp does); an unconditional rule of the same action subsumes
 *     the argument rules. Mixed actions are not handled.
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
 * compare, not 40. A leaf is a jump to a RET shared by the section, or for
 * an argument-filtered syscall the ORed argument checks followed by RET
 * default. A jump farther than a conditional jump's 8-bit offset goes
 * through a JA. For the default profile that is ~370 instructions where
 * libseccomp's tree has ~1230, and ~8 compares to a verdict.
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
	/* x86: the action the socketcall / ipc multiplexer must have. */
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
		/* MASKED_EQ: value is the mask, value_two the datum, which
		 * libseccomp masks too (a datum bit outside the mask does not
		 * make the rule never match). */
		uint64_t want = a->op == SCMP_CMP_MASKED_EQ ? a->value_two & a->value : a->value;
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

/*
 * A section is built back to front, so every jump target is already placed
 * when the jump is: instructions are pushed onto `rev` and named by their
 * tail, the number of instructions after them. A jump from tail t to tail
 * u has offset t - u - 1.
 */
struct rbuild {
	struct prog rev;
	/* Shared RETs at the end of the section, one per action. */
	uint32_t pool_action[8];
	size_t pool_tail[8];
	size_t n_pool;
	uint32_t def;
};

static void rbuild_clear(struct rbuild *b)
{
	prog_clear(&b->rev);
}

static int rpush(struct rbuild *b, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k, size_t *ret_tail)
{
	*ret_tail = b->rev.len;
	return emit(&b->rev, code, jt, jf, k);
}

/* Leaves a JGE one JA of slack within its 255. */
#define POOL_REACH 250

/* The tail of an instruction returning `action` that a jump pushed next
 * can reach: a shared RET if near enough, else a new one. */
static int reach_ret(struct rbuild *b, uint32_t action, size_t *ret_tail)
{
	for (size_t i = 0; i < b->n_pool; i++)
		if (b->pool_action[i] == action && b->rev.len - b->pool_tail[i] <= POOL_REACH) {
			*ret_tail = b->pool_tail[i];
			return 0;
		}
	return rpush(b, BPF_RET | BPF_K, 0, 0, action, ret_tail);
}

/* An argument-filtered leaf: the ORed rules, then RET default. */
static int build_cond(struct rbuild *b, const struct sc_call *c, size_t *ret_tail)
{
	_cleanup_(prog_clear) struct prog fwd = { 0 };
	int r = 0;

	for (size_t i = 0; i < c->n_cond && r == 0; i++)
		r = emit_rule(&fwd, c->cond[i], c->action, c->wide);
	r = r ?: emit(&fwd, BPF_RET | BPF_K, 0, 0, b->def);
	/* Its jumps are relative and stay inside it. */
	for (size_t i = fwd.len; i-- > 0 && r == 0;)
		r = rpush(b, fwd.v[i].code, fwd.v[i].jt, fwd.v[i].jf, fwd.v[i].k, ret_tail);
	return r;
}

/* Reachable from the next instruction pushed: a JA over the distance if
 * needed (its 32-bit offset reaches anything). */
static int near(struct rbuild *b, size_t *tail)
{
	if (b->rev.len - *tail - 1 <= 255)
		return 0;
	return rpush(b, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(b->rev.len - *tail - 1), tail);
}

/* The subtree over segments s[0..n): A holds the number, at least s[0].lo.
 * The left subtree is pushed last, so its entry is next to the JGE (a
 * shared RET is at most POOL_REACH away); the right one may need a JA. */
static int build_tree(struct rbuild *b, const struct seg *s, size_t n, size_t *ret_tail)
{
	size_t mid = n / 2, left, right;
	int r;

	if (n == 1)
		return s->call ? build_cond(b, s->call, ret_tail) : reach_ret(b, s->action, ret_tail);
	r = build_tree(b, s + mid, n - mid, &right);
	r = r ?: build_tree(b, s, mid, &left);
	r = r ?: near(b, &right);
	if (r < 0)
		return r;
	if (b->rev.len - left - 1 > 255)
		return -E2BIG; /* cannot happen: see above */
	return rpush(b, BPF_JMP | BPF_JGE | BPF_K, (uint8_t)(b->rev.len - right - 1),
		     (uint8_t)(b->rev.len - left - 1), s[mid].lo, ret_tail);
}

static void push_seg(struct seg *v, size_t *n, uint32_t lo, uint32_t action, const struct sc_call *call)
{
	/* Runs of one plain verdict merge. */
	if (*n && !call && !v[*n - 1].call && v[*n - 1].action == action)
		return;
	v[(*n)++] = (struct seg){ .lo = lo, .action = action, .call = call };
}

static int emit_section(struct prog *p, struct section *s, uint32_t def)
{
	_cleanup_free_ struct seg *segs = calloc(2 * s->n + 1, sizeof(*segs));
	_cleanup_(rbuild_clear) struct rbuild b = { .def = def };
	size_t n = 0, entry;
	uint64_t next = 0;
	int r = 0;

	if (!segs)
		return -ENOMEM;
	/* No name of the profile resolved on this arch: calls is NULL. */
	if (s->n)
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
	/* The pool: one RET per plain action, the default first. */
	for (size_t i = 0; i < n && r == 0; i++) {
		bool seen = segs[i].call != NULL;

		for (size_t j = 0; j < b.n_pool && !seen; j++)
			seen = b.pool_action[j] == segs[i].action;
		if (seen || b.n_pool == ARRAY_SIZE(b.pool_action))
			continue;
		b.pool_action[b.n_pool] = segs[i].action;
		r = rpush(&b, BPF_RET | BPF_K, 0, 0, segs[i].action, &b.pool_tail[b.n_pool++]);
	}
	r = r ?: build_tree(&b, segs, n, &entry);
	r = r ?: emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
	/* The root is the last instruction pushed, but for a tree that is
	 * one shared RET. */
	if (r == 0 && entry + 1 != b.rev.len)
		r = emit(p, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(b.rev.len - entry - 1));
	for (size_t i = b.rev.len; i-- > 0 && r == 0;)
		r = emit(p, b.rev.v[i].code, b.rev.v[i].jt, b.rev.v[i].jf, b.rev.v[i].k);
	return r;
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
		seen |= arches[i] == SCMP_ARCH_X86_64 ? 1
			: arches[i] == SCMP_ARCH_X86  ? 2
			: arches[i] == SCMP_ARCH_X32  ? 4
						      : 8;
	return seen == 7;
}

int sc_generate(const struct sc_profile *p, const struct sc_env *env, struct security_seccomp **ret,
		struct taper_err *err)
{
	_cleanup_(section_clear) struct section s64 = { 0 }, s32 = { 0 };
	_cleanup_(prog_clear) struct prog out = { 0 }, body64 = { 0 }, body32 = { 0 };
	_cleanup_free_ struct x86_direct *x86 = NULL;
	_cleanup_free_ struct security_seccomp *f = NULL;
	uint32_t def = p->default_action;
	int r = 0;

	if (!arch_set_supported(p, env))
		return -EOPNOTSUPP;
	x86 = malloc(sizeof(*x86));
	if (!x86)
		return err_set(err, ENOMEM, "generate seccomp filter");
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
		return err_set(err, -r, "generate seccomp filter");
	if (out.len > SECCOMP_MAX_INSNS)
		return err_set(err, E2BIG, "generate seccomp filter: %zu instructions", out.len);
	f = malloc(sizeof(*f) + out.len * sizeof(f->insns[0]));
	if (!f)
		return err_set(err, ENOMEM, "generate seccomp filter");
	f->len = out.len;
	f->flags = p->flags;
	memcpy(f->insns, out.v, out.len * sizeof(f->insns[0]));
	*ret = TAKE_PTR(f);
	return 0;
}
