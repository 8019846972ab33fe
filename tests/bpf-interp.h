/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bpf-interp.h — a classic-BPF interpreter, as the kernel runs a seccomp
 * filter, and the argument values at a profile's boundaries, for the
 * tests that compare our generated programs with libseccomp's
 * (tests/unit/test_seccomp_bpf.c, tests/fuzz/fuzz-seccomp.c).
 *
 * The includer defines BPF_INTERP_FAIL(fmt, ...), called on anything the
 * kernel's checker would refuse (a bad load, a jump past the end); it
 * must not return into the interpreter.
 */
#ifndef TAPER_TESTS_BPF_INTERP_H
#define TAPER_TESTS_BPF_INTERP_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "security/seccomp-internal.h"

#ifndef BPF_INTERP_FAIL
#error "define BPF_INTERP_FAIL(fmt, ...) before including bpf-interp.h"
#endif

static uint32_t load_word(const struct seccomp_data *d, uint32_t off)
{
	uint32_t w;

	/* seccomp accepts only aligned loads inside struct seccomp_data. */
	if (off % 4 != 0 || off + 4 > sizeof(*d))
		BPF_INTERP_FAIL("load at offset %u", off);
	memcpy(&w, (const char *)d + off, 4);
	return w;
}

static uint32_t alu(uint16_t op, uint32_t a, uint32_t x)
{
	switch (op) {
	case BPF_ADD:
		return a + x;
	case BPF_SUB:
		return a - x;
	case BPF_MUL:
		return a * x;
	case BPF_DIV:
		if (x == 0)
			BPF_INTERP_FAIL("division by zero");
		return x ? a / x : 0;
	case BPF_AND:
		return a & x;
	case BPF_OR:
		return a | x;
	case BPF_XOR:
		return a ^ x;
	case BPF_LSH:
		return x < 32 ? a << x : 0;
	case BPF_RSH:
		return x < 32 ? a >> x : 0;
	case BPF_NEG:
		return -a;
	}
	BPF_INTERP_FAIL("alu op 0x%x", op);
	return 0;
}

static uint32_t bpf_run(const struct security_seccomp *f, const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };

	for (size_t pc = 0; pc < f->len; pc++) {
		const struct sock_filter_insn_raw *i = &f->insns[pc];
		uint32_t src = BPF_SRC(i->code) == BPF_X ? x : i->k;
		bool taken;

		switch (BPF_CLASS(i->code)) {
		case BPF_LD:
		case BPF_LDX: {
			uint32_t v;

			switch (BPF_MODE(i->code)) {
			case BPF_ABS:
				if (BPF_SIZE(i->code) != BPF_W)
					BPF_INTERP_FAIL("load size 0x%x at %zu", i->code, pc);
				v = load_word(d, i->k);
				break;
			case BPF_IMM:
				v = i->k;
				break;
			case BPF_MEM:
				if (i->k >= BPF_MEMWORDS)
					BPF_INTERP_FAIL("scratch word %u at %zu", i->k, pc);
				v = mem[i->k % BPF_MEMWORDS];
				break;
			case BPF_LEN:
				v = sizeof(*d);
				break;
			default:
				BPF_INTERP_FAIL("load mode 0x%x at %zu", i->code, pc);
				return 0;
			}
			if (BPF_CLASS(i->code) == BPF_LD)
				a = v;
			else
				x = v;
			break;
		}
		case BPF_ST:
		case BPF_STX:
			if (i->k >= BPF_MEMWORDS)
				BPF_INTERP_FAIL("scratch word %u at %zu", i->k, pc);
			mem[i->k % BPF_MEMWORDS] = BPF_CLASS(i->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			a = alu(BPF_OP(i->code), a, src);
			break;
		case BPF_JMP:
			if (BPF_OP(i->code) == BPF_JA) {
				pc += i->k;
				break;
			}
			switch (BPF_OP(i->code)) {
			case BPF_JEQ:
				taken = a == src;
				break;
			case BPF_JGT:
				taken = a > src;
				break;
			case BPF_JGE:
				taken = a >= src;
				break;
			case BPF_JSET:
				taken = (a & src) != 0;
				break;
			default:
				BPF_INTERP_FAIL("jump op 0x%x at %zu", i->code, pc);
				return 0;
			}
			pc += taken ? i->jt : i->jf;
			break;
		case BPF_RET:
			return BPF_RVAL(i->code) == BPF_A ? a : i->k;
		case BPF_MISC:
			if (BPF_MISCOP(i->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		default:
			BPF_INTERP_FAIL("opcode 0x%x at %zu", i->code, pc);
		}
	}
	BPF_INTERP_FAIL("program falls off its end");
	return 0;
}

/* ---- argument values worth running a filter on ---- */

struct vals {
	uint64_t v[512];
	size_t n;
};

static void add_val(struct vals *s, uint64_t v)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == v)
			return;
	if (s->n >= sizeof(s->v) / sizeof(s->v[0]))
		BPF_INTERP_FAIL("more than %zu argument values", s->n);
	s->v[s->n++] = v;
}

/* Around v: itself, its neighbours, the high word set or changed, and
 * either word of v in the other half (a check that compares the wrong
 * word passes or fails there). */
static void add_around(struct vals *s, uint64_t v)
{
	add_val(s, v);
	add_val(s, v << 32 | v >> 32);
	add_val(s, v << 32);
	add_val(s, v >> 32);
	add_val(s, v << 32 | (v + 1));
	add_val(s, v + 1);
	add_val(s, v - 1);
	add_val(s, v ^ (UINT64_C(1) << 32));
	add_val(s, v | UINT64_C(0xffffffff00000000));
	add_val(s, v & 0xffffffff);
}

/* Argument values at the boundaries of every comparison on argument
 * `index` of the rules naming `name`: the value, next to it, each bit of
 * a mask alone and with the datum, and with the high word disturbed. */
static void arg_values(const struct sc_profile *p, const char *name, unsigned index, struct vals *s)
{
	add_around(s, 0);
	add_around(s, UINT64_MAX);
	add_val(s, 0x80000000);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		bool named = false;

		for (const char *const *n = r->names; *n; n++)
			named |= strcmp(*n, name) == 0;
		for (size_t a = 0; named && a < r->n_args; a++) {
			const struct sc_arg *c = &r->args[a];

			if (c->index != index)
				continue;
			add_around(s, c->value);
			if (c->op != SCMP_CMP_MASKED_EQ)
				continue;
			add_around(s, c->value_two);
			add_around(s, c->value_two | ~c->value);
			for (unsigned b = 0; b < 64; b++)
				if (c->value >> b & 1)
					add_around(s, c->value_two | UINT64_C(1) << b);
		}
	}
}

#endif
