/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * devices_bpf.c — device rules as a cgroup2 BPF device program.
 *
 * cgroup2 has no devices.allow file: on each mknod and open of a device
 * node, the kernel runs the BPF_PROG_TYPE_CGROUP_DEVICE programs attached
 * to the task's cgroup and its ancestors, and refuses with EPERM unless
 * every one returns 1. The program is assembled here by hand, without
 * libbpf, in the shape crun and runc use:
 *
 *   prologue   from struct bpf_cgroup_dev_ctx: r2 = device type
 *              (BPF_DEVCG_DEV_*), r3 = access (BPF_DEVCG_ACC_*),
 *              r4 = major, r5 = minor
 *   rule n-1   for each field of the rule: if the request does not
 *              match it, jump to the next block;
 *              return 1 (allow rule) or 0 (deny rule)
 *   ...
 *   rule 0
 *   epilogue   return 0
 *
 * The last matching rule decides, so the rules go in last first and the
 * first match returns; a request no rule matches is denied. An allow rule
 * matches when the requested access is within the rule's, a deny rule when
 * the two share any bit. Type 'a' checks the access only.
 *
 * Numbers are compared by 32-bit jumps (BPF_JMP32, Linux 5.1) against the
 * immediate: a 64-bit jump would sign-extend it, and major 4294967295
 * would become -1. An allow rule for r, w and m skips the access check,
 * which all the kernel's requests pass: the verifier's time grows with the
 * branches it explores, and a program is loaded for every container.
 */
#include <ctype.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "cgroup/devices.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/err.h"

/* Rule access bits go into the program as they are. */
_Static_assert((unsigned)TAPER_DEV_MKNOD == (unsigned)BPF_DEVCG_ACC_MKNOD &&
		       (unsigned)TAPER_DEV_READ == (unsigned)BPF_DEVCG_ACC_READ &&
		       (unsigned)TAPER_DEV_WRITE == (unsigned)BPF_DEVCG_ACC_WRITE,
	       "rule access bits are the kernel's");

#define DEV_ACCESS_ALL (TAPER_DEV_MKNOD | TAPER_DEV_READ | TAPER_DEV_WRITE)

/* Register roles after the prologue. r1 holds the context on entry and is
 * scratch afterwards; r0 is the return value. */
enum {
	R_RET = BPF_REG_0,
	R_TMP = BPF_REG_1,
	R_CTX = BPF_REG_1,
	R_TYPE = BPF_REG_2,
	R_ACCESS = BPF_REG_3,
	R_MAJOR = BPF_REG_4,
	R_MINOR = BPF_REG_5,
};

#define PROLOGUE_INSNS 6
/* type 1, access 3, major 1, minor 1, verdict 2 */
#define RULE_MAX_INSNS 10
#define EPILOGUE_INSNS 2
#define RULE_MAX_JUMPS 4

/* Verifier log kept for an error message: its last lines name the fault. */
#define LOG_SIZE (64 * 1024)
#define LOG_TAIL 300

/* ---- validation --------------------------------------------------------- */

static int check_number(size_t i, const char *what, int64_t v, struct taper_err *err)
{
	if (v == TAPER_DEV_ANY || (v >= 0 && v <= UINT32_MAX))
		return 0;
	return cg_refuse(err, EINVAL, "device rule %zu: %s %lld out of range (0..%u, or any)", i, what,
			 (long long)v, UINT32_MAX);
}

static int check_rule(size_t i, const struct taper_device_rule *r, struct taper_err *err)
{
	int ret;

	if (r->type != 'a' && r->type != 'c' && r->type != 'b') {
		if (isgraph((unsigned char)r->type))
			return cg_refuse(err, EINVAL, "device rule %zu: type '%c' is not a, c or b", i,
					 r->type);
		return cg_refuse(err, EINVAL, "device rule %zu: type 0x%02x is not a, c or b", i,
				 (unsigned char)r->type);
	}
	if (!r->access)
		return cg_refuse(err, EINVAL, "device rule %zu: no access given (r, w, m)", i);
	if (r->access & ~(unsigned)DEV_ACCESS_ALL)
		return cg_refuse(err, EINVAL, "device rule %zu: access 0x%x has bits other than r, w and m",
				 i, r->access);
	if ((ret = check_number(i, "major", r->major, err)) < 0 ||
	    (ret = check_number(i, "minor", r->minor, err)) < 0)
		return ret;
	if (r->type == 'a' && (r->major != TAPER_DEV_ANY || r->minor != TAPER_DEV_ANY))
		return cg_refuse(err, EINVAL,
				 "device rule %zu: type 'a' matches every device and takes no major or minor",
				 i);
	return 0;
}

int cg_devices_check(const struct taper_device_rule *rules, size_t n, struct taper_err *err)
{
	int r;

	if (n > CG_DEVICES_MAX_RULES)
		return cg_refuse(err, E2BIG, "device rules: %zu given, at most %d", n, CG_DEVICES_MAX_RULES);
	for (size_t i = 0; i < n; i++)
		if ((r = check_rule(i, &rules[i], err)) < 0)
			return r;
	return 0;
}

/* ---- instructions ------------------------------------------------------- */

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

/* dst = *(u32 *)(src + off) */
static struct bpf_insn ldx_w(uint8_t dst, uint8_t src, int16_t off)
{
	return insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0);
}

/* 32-bit ALU with an immediate; the result is zero-extended to 64 bits. */
static struct bpf_insn alu32_imm(uint8_t op, uint8_t dst, int32_t imm)
{
	return insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
}

static struct bpf_insn mov32_reg(uint8_t dst, uint8_t src)
{
	return insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0);
}

/* A conditional jump whose offset is filled in by end_rule(). */
static struct bpf_insn jmp_imm(uint8_t op, uint8_t dst, int32_t imm)
{
	return insn(BPF_JMP | op | BPF_K, dst, 0, 0, imm);
}

/* The same on the low 32 bits (w-registers) against the 32-bit immediate,
 * which so is never sign-extended. */
static struct bpf_insn jmp32_imm(uint8_t op, uint8_t dst, int32_t imm)
{
	return insn(BPF_JMP32 | op | BPF_K, dst, 0, 0, imm);
}

static struct bpf_insn exit_insn(void)
{
	return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/* The program being built, with room for every instruction reserved up
 * front, and the jumps of the current rule that go to the next one. */
struct prog {
	struct bpf_insn *insns;
	size_t n, cap;
	size_t jumps[RULE_MAX_JUMPS];
	size_t n_jumps;
};

static void prog_clear(struct prog *p)
{
	free(p->insns);
	p->insns = NULL;
}

static void emit(struct prog *p, struct bpf_insn i)
{
	/* The size is computed from the rule count; overflowing it is a bug. */
	if (p->n >= p->cap)
		abort();
	p->insns[p->n++] = i;
}

/* Emit a conditional jump taken when the request does not match. */
static void emit_jump_to_next_rule(struct prog *p, struct bpf_insn jump)
{
	if (p->n_jumps >= RULE_MAX_JUMPS)
		abort();
	p->jumps[p->n_jumps++] = p->n;
	emit(p, jump);
}

static void emit_prologue(struct prog *p)
{
	emit(p, ldx_w(R_TYPE, R_CTX, offsetof(struct bpf_cgroup_dev_ctx, access_type)));
	emit(p, mov32_reg(R_ACCESS, R_TYPE));
	emit(p, alu32_imm(BPF_RSH, R_ACCESS, 16));
	emit(p, alu32_imm(BPF_AND, R_TYPE, 0xffff));
	emit(p, ldx_w(R_MAJOR, R_CTX, offsetof(struct bpf_cgroup_dev_ctx, major)));
	emit(p, ldx_w(R_MINOR, R_CTX, offsetof(struct bpf_cgroup_dev_ctx, minor)));
}

static void emit_type_check(struct prog *p, char type)
{
	if (type == 'a')
		return;
	emit_jump_to_next_rule(
		p, jmp_imm(BPF_JNE, R_TYPE, type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK));
}

/* allow: no requested bit outside the rule's (access & ~rule == 0);
 * deny: some requested bit in the rule's (access & rule != 0). */
static void emit_access_check(struct prog *p, bool allow, unsigned access)
{
	/* The kernel asks for these bits only: an rwm allow takes them all. */
	if (allow && access == DEV_ACCESS_ALL)
		return;
	emit(p, mov32_reg(R_TMP, R_ACCESS));
	if (allow) {
		emit(p, alu32_imm(BPF_AND, R_TMP, (int32_t)(~access & 0xffff)));
		emit_jump_to_next_rule(p, jmp_imm(BPF_JNE, R_TMP, 0));
	} else {
		emit(p, alu32_imm(BPF_AND, R_TMP, (int32_t)access));
		emit_jump_to_next_rule(p, jmp_imm(BPF_JEQ, R_TMP, 0));
	}
}

static void emit_number_check(struct prog *p, uint8_t reg, int64_t value)
{
	if (value == TAPER_DEV_ANY)
		return;
	emit_jump_to_next_rule(p, jmp32_imm(BPF_JNE, reg, (int32_t)(uint32_t)value));
}

static void emit_return(struct prog *p, int verdict)
{
	emit(p, alu32_imm(BPF_MOV, R_RET, verdict));
	emit(p, exit_insn());
}

/* Point the rule's jumps at the instruction after it. */
static void end_rule(struct prog *p)
{
	for (size_t i = 0; i < p->n_jumps; i++)
		p->insns[p->jumps[i]].off = (int16_t)(p->n - p->jumps[i] - 1);
	p->n_jumps = 0;
}

/* false when the rule matches every request: it returns at once, and
 * what would follow (the rules before it) could never run. */
static bool emit_rule(struct prog *p, const struct taper_device_rule *r)
{
	size_t start = p->n;
	bool conditional;

	emit_type_check(p, r->type);
	emit_access_check(p, r->allow, r->access);
	if (r->type != 'a') {
		emit_number_check(p, R_MAJOR, r->major);
		emit_number_check(p, R_MINOR, r->minor);
	}
	conditional = p->n_jumps > 0;
	emit_return(p, r->allow ? 1 : 0);
	end_rule(p);
	if (p->n - start > RULE_MAX_INSNS)
		abort();
	return conditional;
}

static int compile(const struct taper_device_rule *rules, size_t n, struct prog *p, struct taper_err *err)
{
	p->cap = PROLOGUE_INSNS + n * RULE_MAX_INSNS + EPILOGUE_INSNS;
	p->insns = calloc(p->cap, sizeof(*p->insns));
	if (!p->insns)
		return err_set(err, ENOMEM, "device program");
	emit_prologue(p);
	/* The verifier refuses code that cannot run. */
	for (size_t i = n; i-- > 0;)
		if (!emit_rule(p, &rules[i]))
			return 0;
	emit_return(p, 0);
	return 0;
}

/* ---- load and attach ---------------------------------------------------- */

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int prog_load(const struct prog *p, char *log, size_t log_size)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)p->insns;
	attr.insn_cnt = (uint32_t)p->n;
	/* Only calls to GPL-only helpers look at the license; the program
	 * calls no helper. */
	attr.license = (uint64_t)(uintptr_t) "GPL";
	if (log) {
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = (uint32_t)log_size;
		attr.log_level = 1;
	}
	return sys_bpf(BPF_PROG_LOAD, &attr);
}

static void trim_end(char *s)
{
	size_t len = strlen(s);

	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
}

/* The end of the verifier's log on one line: the faulting instruction and
 * the reason, without the statistics line that follows them. */
static void log_tail(char *log, char *ret, size_t size)
{
	char *last, *s;
	size_t len;

	trim_end(log);
	last = strrchr(log, '\n');
	if (last && strncmp(last + 1, "processed ", 10) == 0) {
		*last = '\0';
		trim_end(log);
	}
	len = strlen(log);
	s = len > LOG_TAIL ? log + len - LOG_TAIL : log;
	snprintf(ret, size, "%s%s", s == log ? "" : "...", s);
	for (char *c = ret; *c; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
}

/* The program's fd (O_CLOEXEC, as every bpf fd), or -errno. */
static int load(const struct prog *p, struct taper_err *err)
{
	_cleanup_free_ char *log = NULL;
	char tail[LOG_TAIL + 8];
	int fd, e;

	fd = prog_load(p, NULL, 0);
	if (fd >= 0)
		return fd;
	e = errno;
	if (e == EPERM || !(log = calloc(1, LOG_SIZE)))
		return err_set(err, e, "device program: load %zu instructions", p->n);
	/* Load again with the verifier's log to say why. */
	fd = prog_load(p, log, LOG_SIZE);
	if (fd >= 0)
		return fd;
	if (!log[0])
		return err_set(err, e, "device program: load %zu instructions", p->n);
	log_tail(log, tail, sizeof(tail));
	return err_set(err, e, "device program: load %zu instructions: verifier: %s", p->n, tail);
}

static int attach(int cgroup_fd, int prog_fd, struct taper_err *err)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgroup_fd;
	attr.attach_bpf_fd = (uint32_t)prog_fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return err_set(err, errno, "device program: attach to cgroup");
	return 0;
}

int cg_devices_bpf_attach(int cgroup_fd, const struct taper_device_rule *rules, size_t n,
			  struct taper_err *err)
{
	_cleanup_(prog_clear) struct prog p = { 0 };
	_cleanup_close_ int prog_fd = -1;
	int r;

	if ((r = cg_devices_check(rules, n, err)) < 0 || (r = compile(rules, n, &p, err)) < 0)
		return r;
	prog_fd = load(&p, err);
	if (prog_fd < 0)
		return prog_fd;
	/* The attachment holds its own reference to the program: prog_fd
	 * is closed on return. */
	return attach(cgroup_fd, prog_fd, err);
}

int cg_devices_bpf_probe(struct taper_err *err)
{
	_cleanup_(prog_clear) struct prog p = { 0 };
	_cleanup_close_ int prog_fd = -1;
	int r;

	if ((r = compile(NULL, 0, &p, err)) < 0)
		return r;
	prog_fd = load(&p, err);
	return prog_fd < 0 ? prog_fd : 0;
}
