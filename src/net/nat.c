/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include "net/nat.h"
#include "net/nftrules.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/parse.h"
#include "util/strv.h"
#include "util/lazy.h"

DEFINE_CLEANUP_FUNC(struct nft_ctx, nft_ctx_free)

static const char chains[] =
	"add table ip " NAT_TABLE "\n"
	"add chain ip " NAT_TABLE
	" postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
	"add chain ip " NAT_TABLE " prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
	"add chain ip " NAT_TABLE " output { type nat hook output priority -100; policy accept; }\n"
	/* After dstnat (-100), so that ct status tells a DNAT'ed packet. */
	"add chain ip " NAT_TABLE " localnet { type filter hook prerouting priority -90; policy accept; }\n";

/* Names go into nft's language: letters, digits, '_', '.', '-' only. */
static bool word_ok(const char *s)
{
	if (!s || !s[0] || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '.' || *s == '-'))
			return false;
	return true;
}

/* Every list-then-change of the table runs under this flock: otherwise a
 * removal that listed the table before a concurrent add commits would
 * delete the table ("nothing of anyone else's left") and the new rule with
 * it, and two removals of one rule would fail each other's transaction. One
 * lock for all network namespaces: they rarely contend and a per-namespace
 * file would be left behind by each of them. */
static int nat_lock(int *ret_fd, struct taper_err *err)
{
	_cleanup_close_ int fd = -1;
	int r = mkdir_p(NAT_RUN_DIR, 0711);

	if (r < 0)
		return err_set(err, r, "create %s", NAT_RUN_DIR);
	fd = open(NAT_LOCK_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(err, errno, "open %s", NAT_LOCK_FILE);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return err_set(err, errno, "lock %s", NAT_LOCK_FILE);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

void nat_ctr_tag(const char *owner, const char *container, char ret[NAT_TAG_MAX])
{
	snprintf(ret, NAT_TAG_MAX, "taper:ctr:%s:%s", owner, container);
}

/* Run cmds in this process; on failure err gets nft's first error line. */
static int nft_run_here(const char *cmds, bool json_out, char **ret_out, struct taper_err *err)
{
	_cleanup_(nft_ctx_freep) struct nft_ctx *nft = NULL;
	const char *e;

	if (lazy_nftables_load(err) < 0)
		return err_ret(err);
	nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft)
		return err_set(err, ENOMEM, "nftables context");
	if (nft_ctx_buffer_output(nft) < 0 || nft_ctx_buffer_error(nft) < 0)
		return err_set(err, ENOMEM, "nftables buffers");
	if (json_out)
		nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
	if (nft_run_cmd_from_buffer(nft, cmds) != 0) {
		e = nft_ctx_get_error_buffer(nft);
		if (e && strstr(e, "No such file or directory"))
			return -ENOENT;
		return err_set(err, e && strstr(e, "Operation not permitted") ? EPERM : EINVAL,
			       "nftables: %.*s", e ? (int)strcspn(e, "\n") : 0, e ? e : "");
	}
	if (ret_out) {
		*ret_out = strdup(nft_ctx_get_output_buffer(nft));
		if (!*ret_out)
			return err_set(err, ENOMEM, "nftables output");
	}
	return 0;
}

struct nft_args {
	const char *cmds;
	bool json_out;
};

static int nft_run_child(void *arg, int report_fd, struct taper_err *err)
{
	const struct nft_args *a = arg;
	_cleanup_free_ char *out = NULL;
	int r = nft_run_here(a->cmds, a->json_out, &out, err);

	if (r < 0)
		return r;
	r = child_report_output(report_fd, out, strlen(out));
	return r < 0 ? err_set(err, r, "nftables output") : 0;
}

/* libnftables (with gmp, xtables and their kin behind it) maps about a
 * megabyte; it is loaded only in a short-lived child so that no long-lived
 * process, the monitor above all, keeps it. A fork costs far less than
 * the transaction itself. */
static int nft_run(const char *cmds, bool json_out, char **ret_out, struct taper_err *err)
{
	struct nft_args a = { cmds, json_out };
	_cleanup_free_ char *out = NULL;
	int r = child_run(nft_run_child, &a, &(struct child_opts){ .what = "nftables", .ret_out = &out },
			  err);

	if (r == 0 && ret_out)
		*ret_out = TAKE_PTR(out);
	return r;
}

/* The table as JSON; *ret NULL (and 0) when there is no table. */
static int list_table(json_t **ret, struct taper_err *err)
{
	_cleanup_free_ char *out = NULL;
	json_error_t je;
	int r = nft_run("list table ip " NAT_TABLE "\n", true, &out, err);

	*ret = NULL;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	*ret = json_loads(out, 0, &je);
	if (!*ret)
		return err_set(err, EBADMSG, "nftables json: %s", je.text);
	return 0;
}

/* The table's rules, read over nfnetlink: no libnftables, no fork. */
static int read_rules(struct nft_rules *ret, struct taper_err *err)
{
	return nft_rules_list(AF_INET, NAT_TABLE, ret, err);
}

/* comment owns rule's comment: "taper:bridge:br0" owns
 * "taper:bridge:br0:masq" too; names never hold ':', so no other owner
 * can match. */
static bool owns(const char *comment, const struct nft_rule_ref *rule)
{
	size_t n = strlen(comment);

	return strncmp(rule->comment, comment, n) == 0 &&
	       (rule->comment[n] == '\0' || rule->comment[n] == ':');
}

/* Appends the deletion of every rule comment owns to cmds (may be NULL);
 * returns how many. */
static size_t del_owned(FILE *cmds, const struct nft_rules *rules, const char *comment)
{
	size_t matched = 0;

	for (size_t i = 0; i < rules->n; i++) {
		const struct nft_rule_ref *rule = &rules->rules[i];

		if (!owns(comment, rule) || !word_ok(rule->chain))
			continue;
		matched++;
		if (cmds)
			fprintf(cmds, "delete rule ip " NAT_TABLE " %s handle %llu\n", rule->chain,
				(unsigned long long)rule->handle);
	}
	return matched;
}

int nat_count_rules(const char *comment, struct taper_err *err)
{
	_cleanup_nft_rules_ struct nft_rules rules = { 0 };
	int r = read_rules(&rules, err);

	if (r < 0)
		return r;
	return (int)del_owned(NULL, &rules, comment);
}

/* Delete every rule with comment; the table too when nothing is left.
 * When no rule has it, libnftables is not even loaded: the common case of
 * a start or a stop of a container without published ports. */
static int remove_tagged(const char *comment, struct taper_err *err)
{
	_cleanup_nft_rules_ struct nft_rules rules = { 0 };
	_cleanup_free_ char *buf = NULL;
	size_t matched, len = 0;
	FILE *cmds;
	int r = read_rules(&rules, err);

	if (r < 0)
		return r;
	if (del_owned(NULL, &rules, comment) == 0)
		return 0;
	cmds = open_memstream(&buf, &len);
	if (!cmds)
		return err_set(err, errno, "nftables commands");
	matched = del_owned(cmds, &rules, comment);
	/* Nothing of anyone else's left: drop the whole table in the same
	 * transaction. */
	if (matched == rules.n)
		fprintf(cmds, "delete table ip " NAT_TABLE "\n");
	if (fclose(cmds) != 0)
		return err_set(err, ENOMEM, "nftables commands");
	return nft_run(buf, false, NULL, err);
}

static int sysctl_set(const char *path, const char *value, struct taper_err *err)
{
	int r = write_file(path, value);

	if (r < 0)
		return err_set(err, r, "write %s", path);
	return 0;
}

/* Adds the rule `body` tagged comment unless a rule with that comment
 * exists; returns whether it did. */
static bool add_once(FILE *cmds, const struct nft_rules *rules, const char *chain, const char *body,
		     const char *comment)
{
	for (size_t i = 0; i < rules->n; i++)
		if (strcmp(rules->rules[i].comment, comment) == 0)
			return false;
	fprintf(cmds, "add rule ip " NAT_TABLE " %s %s comment \"%s\"\n", chain, body, comment);
	return true;
}

/* The commands adding what rules (the table's) lack of the bridge's
 * rules: the subnet's masquerade when masq, and always what goes with
 * route_localnet, for published ports: the 127/8 masquerade and the drop
 * of 127/8 traffic coming in by the bridge.
 *
 * route_localnet lets the kernel route 127/8 to and from the bridge both
 * ways: a host's connection to 127.0.0.1:PORT, DNAT'ed in output, leaves
 * by the bridge with source 127.0.0.1 (ip_route_output refuses that
 * without it), and its replies, de-masqueraded in prerouting, come in by
 * the bridge to 127.0.0.1 (a martian destination without it). But it
 * equally delivers whatever a container sends to 127.0.0.1 through its
 * gateway to the host's loopback-only services (CVE-2020-8558). Those
 * packets are the ones no DNAT made, as kube-proxy's fix says: the replies
 * above belong to a DNAT'ed connection, a container's own connection to
 * 127.0.0.1 does not. The drop comes in the same transaction as the
 * masquerade, before route_localnet is written.
 *
 * With subnet (the bridge's, or the container's when the bridge is not
 * taper's), the hairpin masquerade too: a connection from the bridge's
 * subnet to a published port, DNAT'ed back out of the bridge (a container
 * to its own port or a neighbour's, through a host address), leaves with
 * the bridge's address as its source. Else the server would answer the
 * client directly, from an address the client never asked, or see its own
 * address as the source and drop the packet as martian. Connections from
 * elsewhere keep their source. */
static size_t bridge_cmds(FILE *cmds, const struct nft_rules *table, const char *bridge,
			  const struct ipv4_net *masq, const struct ipv4_net *subnet)
{
	char tag[96], body[160], cidr[IPV4_CIDR_STRLEN];
	size_t added = 0;

	if (masq) {
		ipv4_net_format(masq, cidr);
		snprintf(tag, sizeof(tag), "taper:bridge:%s:masq", bridge);
		snprintf(body, sizeof(body), "ip saddr %s oifname != \"%s\" masquerade", cidr, bridge);
		added += add_once(cmds, table, "postrouting", body, tag);
	}
	snprintf(tag, sizeof(tag), "taper:bridge:%s:lo", bridge);
	snprintf(body, sizeof(body), "oifname \"%s\" ip saddr 127.0.0.0/8 masquerade", bridge);
	added += add_once(cmds, table, "postrouting", body, tag);
	snprintf(tag, sizeof(tag), "taper:bridge:%s:localnet", bridge);
	snprintf(body, sizeof(body), "iifname \"%s\" ip daddr 127.0.0.0/8 ct status & dnat == 0 drop",
		 bridge);
	added += add_once(cmds, table, "localnet", body, tag);
	if (subnet) {
		ipv4_net_format(subnet, cidr);
		snprintf(tag, sizeof(tag), "taper:bridge:%s:hairpin", bridge);
		snprintf(body, sizeof(body), "oifname \"%s\" ip saddr %s ct status dnat masquerade", bridge,
			 cidr);
		added += add_once(cmds, table, "postrouting", body, tag);
	}
	return added;
}

static bool bridge_ok(const char *bridge, struct taper_err *err)
{
	if (word_ok(bridge) && strlen(bridge) < 16)
		return true;
	err_set(err, 0, "bridge name \"%s\"", bridge ? bridge : "");
	return false;
}

static int route_localnet(const char *bridge, struct taper_err *err)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
	return sysctl_set(path, "1", err);
}

/* A start finds the bridge's rules in place but for the first container
 * on it: then nothing is committed, and libnftables is not loaded. A
 * missing rule (deleted by hand, say) is added back with the chains, in
 * one transaction. */
static int bridge_rules(const char *bridge, const struct ipv4_net *subnet, struct taper_err *err)
{
	_cleanup_nft_rules_ struct nft_rules rules = { 0 };
	_cleanup_free_ char *buf = NULL;
	size_t added, len = 0;
	FILE *cmds;
	int r;

	if (!bridge_ok(bridge, err))
		return -EINVAL;
	r = read_rules(&rules, err);
	if (r < 0)
		return r;
	cmds = open_memstream(&buf, &len);
	if (!cmds)
		return err_set(err, errno, "nftables commands");
	fputs(chains, cmds);
	added = bridge_cmds(cmds, &rules, bridge, subnet, subnet);
	if (fclose(cmds) != 0)
		return err_set(err, ENOMEM, "nftables commands");
	if (added > 0 && (r = nft_run(buf, false, NULL, err)) < 0)
		return r;
	return route_localnet(bridge, err);
}

int nat_bridge_add(const char *bridge, const struct ipv4_net *subnet, struct taper_err *err)
{
	_cleanup_close_ int lock = -1;

	if (nat_lock(&lock, err) < 0 || bridge_rules(bridge, subnet, err) < 0)
		return err_wrap(err, "nat for bridge %s", bridge);
	return sysctl_set("/proc/sys/net/ipv4/ip_forward", "1", err);
}

/* suffix "": every rule of the bridge; ":masq": its subnet's masquerade. */
static int bridge_remove(const char *bridge, const char *suffix, struct taper_err *err)
{
	_cleanup_close_ int lock = -1;
	char tag[96];

	if (!word_ok(bridge))
		return err_set(err, 0, "bridge name \"%s\"", bridge ? bridge : "");
	snprintf(tag, sizeof(tag), "taper:bridge:%s%s", bridge, suffix);
	if (nat_lock(&lock, err) < 0 || remove_tagged(tag, err) < 0)
		return err_wrap(err, "remove nat of bridge %s", bridge);
	return 0;
}

int nat_bridge_remove(const char *bridge, struct taper_err *err)
{
	return bridge_remove(bridge, "", err);
}

int nat_bridge_unmasq(const char *bridge, struct taper_err *err)
{
	/* A read first: the common case (never had NAT) takes no lock. */
	char tag[96];
	int r;

	if (!word_ok(bridge))
		return err_set(err, 0, "bridge name \"%s\"", bridge ? bridge : "");
	snprintf(tag, sizeof(tag), "taper:bridge:%s:masq", bridge);
	r = nat_count_rules(tag, err);
	if (r <= 0)
		return r;
	return bridge_remove(bridge, ":masq", err);
}

int nat_port_number(const char *s, uint16_t *ret)
{
	uint64_t v;

	if (s[0] == '0' && s[1])
		return -EDOM;
	if (parse_u64_range(s, 1, 65535, &v) < 0)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

static int port_number(const char *spec, const char *which, const char *s, uint16_t *ret,
		       struct taper_err *err)
{
	int r = nat_port_number(s, ret);

	if (r == -EDOM)
		return err_set(err, 0, "\"%s\": %s port %s has a leading zero (ambiguous)", spec, which, s);
	if (r < 0)
		return err_set(err, 0, "\"%s\": invalid %s port %s", spec, which, s);
	return 0;
}

int nat_port_parse(const char *s, struct nat_port *ret, struct taper_err *err)
{
	_cleanup_strv_free_ char **parts = NULL;
	struct nat_port p = { .proto = IPPROTO_TCP };
	char buf[64];
	const char *slash;
	size_t n, colons = 0;

	if (!s || strlen(s) >= sizeof(buf))
		return err_set(err, 0, "port \"%s\": expected [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]",
			       s ? s : "");
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash) {
		if (strcmp(slash, "/tcp") == 0)
			p.proto = IPPROTO_TCP;
		else if (strcmp(slash, "/udp") == 0)
			p.proto = IPPROTO_UDP;
		else
			return err_set(err, 0, "\"%s\": protocol must be tcp or udp", s);
		buf[slash - buf] = '\0';
	}
	parts = strv_split(buf, ':');
	if (!parts)
		return err_set(err, ENOMEM, "port %s", s);
	n = strv_length(parts);
	/* strv_split drops empty fields: count the colons to refuse "::80". */
	for (const char *c = buf; *c; c++)
		colons += *c == ':';
	if ((n != 2 && n != 3) || colons + 1 != n)
		return err_set(err, 0, "\"%s\": expected [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]", s);
	if (n == 3 && ipv4_parse(parts[0], &p.host_ip) < 0)
		return err_set(err, 0, "\"%s\": invalid host address \"%s\"", s, parts[0]);
	if (port_number(s, "host", parts[n - 2], &p.host_port, err) < 0 ||
	    port_number(s, "container", parts[n - 1], &p.ctr_port, err) < 0)
		return -EINVAL;
	*ret = p;
	return 0;
}

void nat_port_format(const struct nat_port *p, char buf[48])
{
	char ip[IPV4_STRLEN] = "";

	if (p->host_ip)
		ipv4_format(p->host_ip, ip);
	snprintf(buf, 48, "%s%s%u:%u/%s", ip, p->host_ip ? ":" : "", p->host_port, p->ctr_port,
		 p->proto == IPPROTO_UDP ? "udp" : "tcp");
}

bool nat_port_clash(const struct nat_port *a, const struct nat_port *b)
{
	return a->proto == b->proto && a->host_port == b->host_port &&
	       (a->host_ip == b->host_ip || !a->host_ip || !b->host_ip);
}

int net_ports_remove(const char *owner, const char *container, struct taper_err *err)
{
	_cleanup_close_ int lock = -1;
	char tag[NAT_TAG_MAX];

	if (!word_ok(container))
		return err_set(err, 0, "container name \"%s\"", container ? container : "");
	nat_ctr_tag(owner, container, tag);
	if (nat_lock(&lock, err) < 0 || remove_tagged(tag, err) < 0)
		return err_wrap(err, "remove published ports of %s", container);
	return 0;
}

/* ---- who holds a host port ------------------------------------------ */

/* Does the right side of a dport match admit port? A number, a range, a
 * set of them; anything else (a named set) may. */
static bool admits_port(json_t *v, uint16_t port)
{
	json_t *range = json_object_get(v, "range"), *set = json_object_get(v, "set"), *e;
	size_t i;

	if (json_is_integer(v))
		return json_integer_value(v) == port;
	if (json_array_size(range) == 2)
		return json_integer_value(json_array_get(range, 0)) <= port &&
		       port <= json_integer_value(json_array_get(range, 1));
	if (!json_is_array(set))
		return true;
	json_array_foreach (set, i, e)
		if (admits_port(e, port))
			return true;
	return false;
}

/* Does the rule (its "expr" array) take p's connections? It must DNAT,
 * and its matches on the destination port and address must admit p's:
 * taper writes "[ip daddr A] fib daddr type local tcp|udp dport N dnat
 * to ...". Whatever this does not understand counts as admitting: a doubt
 * refuses a start, it never lets two rules take one port. */
static bool rule_takes(json_t *expr, const struct nat_port *p)
{
	const char *want = p->proto == IPPROTO_UDP ? "udp" : "tcp";
	bool dnat = false, takes = true;
	json_t *e;
	size_t i;

	json_array_foreach (expr, i, e) {
		json_t *m = json_object_get(e, "match");
		json_t *pl = json_object_get(json_object_get(m, "left"), "payload");
		json_t *right = json_object_get(m, "right");
		const char *proto = json_string_value(json_object_get(pl, "protocol"));
		const char *field = json_string_value(json_object_get(pl, "field"));
		const char *op = json_string_value(json_object_get(m, "op"));
		bool eq = !op || strcmp(op, "==") == 0 || strcmp(op, "in") == 0;
		const char *ip;
		uint32_t a;

		dnat |= json_object_get(e, "dnat") != NULL;
		if (!proto || !field || !eq)
			continue;
		if (strcmp(field, "dport") == 0 && strcmp(proto, "th") != 0)
			takes &= strcmp(proto, want) == 0 && admits_port(right, p->host_port);
		else if (strcmp(field, "dport") == 0)
			takes &= admits_port(right, p->host_port);
		else if (strcmp(proto, "ip") == 0 && strcmp(field, "daddr") == 0 && p->host_ip &&
			 (ip = json_string_value(right)) && ipv4_parse(ip, &a) == 0)
			takes &= a == p->host_ip;
	}
	return dnat && takes;
}

void nat_tag_owner_text(const char *comment, const char *own_tag, char *buf, size_t size)
{
	static const char ctr[] = "taper:ctr:";
	const char *id = comment, *name = NULL;

	if (!comment[0]) {
		snprintf(buf, size, "a rule of table ip " NAT_TABLE " without comment");
		return;
	}
	if (strncmp(comment, ctr, strlen(ctr)) == 0) {
		id = comment + strlen(ctr);
		name = strchr(id, ':');
	}
	if (!name) {
		snprintf(buf, size, "rule \"%s\" of table ip " NAT_TABLE, comment);
		return;
	}
	name++;
	if (strncmp(comment, own_tag, (size_t)(name - comment)) == 0)
		snprintf(buf, size, "container \"%s\"", name);
	else
		snprintf(buf, size, "container \"%s\" of store %.*s", name, (int)(name - 1 - id), id);
}

/* -EADDRINUSE naming the holder when a rule of table not tagged own_tag
 * (those are about to be replaced) takes one of ports. */
static int ports_free(json_t *table, const char *own_tag, const struct nat_port *ports, size_t n,
		      struct taper_err *err)
{
	json_t *it;
	size_t i;

	json_array_foreach (json_object_get(table, "nftables"), i, it) {
		json_t *rule = json_object_get(it, "rule");
		const char *comment = json_string_value(json_object_get(rule, "comment"));
		char owner[NAT_TAG_MAX + 48];

		if (!rule)
			continue;
		if (!comment)
			comment = "";
		if (strcmp(comment, own_tag) == 0)
			continue;
		for (size_t k = 0; k < n; k++) {
			if (!rule_takes(json_object_get(rule, "expr"), &ports[k]))
				continue;
			nat_tag_owner_text(comment, own_tag, owner, sizeof(owner));
			return err_set(err, EADDRINUSE, "host port %u/%s already published by %s",
				       ports[k].host_port, ports[k].proto == IPPROTO_UDP ? "udp" : "tcp",
				       owner);
		}
	}
	return 0;
}

int net_ports_add(const char *owner, const char *container, const char *bridge, const struct nat_port *ports,
		  size_t n, uint32_t ctr_addr, unsigned ctr_prefix, struct taper_err *err)
{
	struct ipv4_net subnet = { .prefix = ctr_prefix > 32 ? 32 : ctr_prefix };
	_cleanup_close_ int lock = -1;
	_cleanup_nft_rules_ struct nft_rules rules = { 0 };
	_cleanup_free_ char *buf = NULL;
	json_auto_t *table = NULL;
	char ctr[IPV4_STRLEN], hip[IPV4_STRLEN], tag[NAT_TAG_MAX];
	size_t len = 0;
	FILE *cmds;
	int r;

	if (!word_ok(container))
		return err_set(err, 0, "container name \"%s\"", container ? container : "");
	nat_ctr_tag(owner, container, tag);
	if (n == 0)
		return net_ports_remove(owner, container, err);
	if (!bridge_ok(bridge, err))
		return err_wrap(err, "publish ports of %s", container);
	/* The decision and the change under one lock, against the rules the
	 * table holds, whoever put them there: of two starts publishing one
	 * port, the second sees the first one's rules. */
	if (nat_lock(&lock, err) < 0 || list_table(&table, err) < 0 || read_rules(&rules, err) < 0)
		return err_wrap(err, "publish ports of %s", container);
	if ((r = ports_free(table, tag, ports, n, err)) < 0)
		return r;
	cmds = open_memstream(&buf, &len);
	if (!cmds)
		return err_set(err, errno, "nftables commands");
	/* One transaction: the container's old rules go, the bridge's and the
	 * new ones come. */
	(void)del_owned(cmds, &rules, tag);
	fputs(chains, cmds);
	subnet.network = ctr_addr & ipv4_mask(subnet.prefix);
	(void)bridge_cmds(cmds, &rules, bridge, NULL, &subnet);
	ipv4_format(ctr_addr, ctr);
	for (size_t i = 0; i < n; i++) {
		static const char *const hooks[] = { "output", "prerouting" };
		const char *proto = ports[i].proto == IPPROTO_UDP ? "udp" : "tcp";
		/* A port published on a loopback address is the host's own:
		 * DNAT'ed in output only. In prerouting it would take what a
		 * neighbour or a container sends to 127.0.0.1 through the host,
		 * before routing could call it martian and past the localnet
		 * drop, which lets DNAT'ed packets by. */
		size_t nhooks = (ports[i].host_ip >> 24) == 127 ? 1 : ARRAY_SIZE(hooks);

		if (ports[i].host_ip)
			ipv4_format(ports[i].host_ip, hip);
		for (size_t h = 0; h < nhooks; h++)
			fprintf(cmds,
				"add rule ip " NAT_TABLE " %s %s%s fib daddr type local %s dport %u"
				" dnat to %s:%u comment \"%s\"\n",
				hooks[h], ports[i].host_ip ? "ip daddr " : "", ports[i].host_ip ? hip : "",
				proto, ports[i].host_port, ctr, ports[i].ctr_port, tag);
	}
	if (fclose(cmds) != 0)
		return err_set(err, ENOMEM, "nftables commands");
	if (nft_run(buf, false, NULL, err) < 0 || route_localnet(bridge, err) < 0)
		return err_wrap(err, "publish ports of %s", container);
	return 0;
}
