/*
 * tsengine-seccomp: compiles a container's seccomp profile (linux.seccomp of config.json) to the BPF program
 * the kernel loads, with libseccomp, the way crun does it. The engine caches the result in its run root and
 * hands it to crun in config.json (annotation run.oci.seccomp_bpf_data): crun then loads it as is instead of
 * compiling the profile itself at every start, which costs it ~15 ms here (Debian's crun 1.8.1 has no cache
 * of its own: its cache needs libgcrypt at build time).
 *
 * The translation follows crun 1.8.1's libcrun_generate_seccomp step by step (the same library calls in the
 * same order), so the program is the one crun would have made: test/integration/runtime/seccomp-bpf.test.ts
 * compares both byte for byte. Anything crun would refuse is refused here too (exit 1, one line on stderr);
 * the engine then leaves the profile to crun, which reports it in its own words.
 *
 * Usage: tsengine-seccomp OUTPUT < PROFILE
 * PROFILE is line-based text made by engine/container/seccomp-bpf.ts from linux.seccomp, one item a line:
 *   default ACTION ERRNO             ERRNO is a number, or - when the profile gives none
 *   arch ARCH                        e.g. SCMP_ARCH_X86_64
 *   rule ACTION ERRNO NAMES NARGS [INDEX OP VALUE VALUE_TWO]...
 *                                    NAMES comma-separated; NARGS 0 when the rule has no args
 * OUTPUT gets the BPF program. stdout gets one line: `LIBRARY MAJOR.MINOR.MICRO`, the libseccomp file that
 * compiled it and its version (the engine's cache is only good while that file stays the same).
 */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LINE 65536
#define MAX_ARGS 6

static int fail(const char *what, const char *detail)
{
	fprintf(stderr, "tsengine-seccomp: %s%s\n", what, detail);
	return 1;
}

static bool action_takes_errno(const char *action)
{
	return strcmp(action, "SCMP_ACT_ERRNO") == 0 || strcmp(action, "SCMP_ACT_TRACE") == 0;
}

/* crun's get_seccomp_action: an OCI action name to libseccomp's value; false when unknown. */
static bool action_value(const char *name, int errno_ret, uint32_t *out)
{
	if (strncmp(name, "SCMP_ACT_", 9) != 0)
		return false;
	const char *p = name + 9;
	if (strcmp(p, "ALLOW") == 0)
		*out = SCMP_ACT_ALLOW;
	else if (strcmp(p, "ERRNO") == 0)
		*out = SCMP_ACT_ERRNO(errno_ret);
	else if (strcmp(p, "KILL") == 0)
		*out = SCMP_ACT_KILL;
	else if (strcmp(p, "LOG") == 0)
		*out = SCMP_ACT_LOG;
	else if (strcmp(p, "TRAP") == 0)
		*out = SCMP_ACT_TRAP;
	else if (strcmp(p, "TRACE") == 0)
		*out = SCMP_ACT_TRACE(errno_ret);
	else if (strcmp(p, "KILL_PROCESS") == 0)
		*out = SCMP_ACT_KILL_PROCESS;
	else if (strcmp(p, "KILL_THREAD") == 0)
		*out = SCMP_ACT_KILL_THREAD;
	else if (strcmp(p, "NOTIFY") == 0)
		*out = SCMP_ACT_NOTIFY;
	else
		return false;
	return true;
}

/* crun's get_seccomp_operator. */
static bool operator_value(const char *name, enum scmp_compare *out)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} ops[] = {
		{"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
		{"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
		{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
	};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		if (strcmp(name, ops[i].name) == 0) {
			*out = ops[i].op;
			return true;
		}
	}
	return false;
}

/* ERRNO field: `-` (absent: crun's EPERM) or a number; *present tells which. */
static bool parse_errno(const char *text, int *out, bool *present)
{
	*present = strcmp(text, "-") != 0;
	*out = EPERM;
	if (!*present)
		return true;
	char *end;
	long v = strtol(text, &end, 10);
	if (*text == '\0' || *end != '\0' || v < 0 || v > 0xffff)
		return false;
	*out = (int)v;
	return true;
}

static bool parse_u64(const char *text, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (*text == '\0' || *end != '\0' || errno != 0 || text[0] == '-')
		return false;
	*out = v;
	return true;
}

static int add_arch(scmp_filter_ctx ctx, const char *name)
{
	char lower[32];
	if (strncmp(name, "SCMP_ARCH_", 10) == 0)
		name += 10;
	size_t n = strlen(name);
	if (n >= sizeof lower)
		return fail("seccomp unknown architecture ", name);
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	uint32_t token = seccomp_arch_resolve_name(lower);
	if (token == 0)
		return fail("seccomp unknown architecture ", name);
	int r = seccomp_arch_add(ctx, token);
	if (r < 0 && r != -EEXIST)
		return fail("seccomp adding architecture ", name);
	return 0;
}

/* One `rule` line (after the keyword): crun's loop body for one linux.seccomp.syscalls entry. */
static int add_rule(scmp_filter_ctx ctx, uint32_t default_action, char *rest)
{
	char *save = NULL;
	char *action_name = strtok_r(rest, " ", &save);
	char *errno_text = strtok_r(NULL, " ", &save);
	char *names = strtok_r(NULL, " ", &save);
	char *nargs_text = strtok_r(NULL, " ", &save);
	if (!action_name || !errno_text || !names || !nargs_text)
		return fail("malformed rule line", "");
	int errno_ret;
	bool errno_present;
	if (!parse_errno(errno_text, &errno_ret, &errno_present))
		return fail("malformed errno ", errno_text);
	if (errno_present && !action_takes_errno(action_name))
		return fail("errno value specified for action ", action_name);
	uint32_t action;
	if (!action_value(action_name, errno_ret, &action))
		return fail("invalid seccomp action ", action_name);

	uint64_t nargs;
	if (!parse_u64(nargs_text, &nargs) || nargs > 64)
		return fail("malformed arg count ", nargs_text);
	struct scmp_arg_cmp cmp[MAX_ARGS];
	uint32_t count[MAX_ARGS] = {0};
	bool multiple = false;
	size_t k = 0;
	for (uint64_t a = 0; a < nargs; a++) {
		char *index_text = strtok_r(NULL, " ", &save);
		char *op_text = strtok_r(NULL, " ", &save);
		char *value_text = strtok_r(NULL, " ", &save);
		char *value_two_text = strtok_r(NULL, " ", &save);
		if (!index_text || !op_text || !value_text || !value_two_text)
			return fail("malformed rule args", "");
		if (a >= MAX_ARGS)
			continue; /* crun reads the first six */
		uint64_t index, value, value_two;
		enum scmp_compare op;
		if (!parse_u64(index_text, &index) || !parse_u64(value_text, &value) || !parse_u64(value_two_text, &value_two))
			return fail("malformed rule arg", "");
		if (index >= MAX_ARGS)
			return fail("invalid seccomp index ", index_text);
		if (!operator_value(op_text, &op))
			return fail("seccomp get operator ", op_text);
		if (++count[index] > 1)
			multiple = true;
		cmp[k++] = (struct scmp_arg_cmp){.arg = (unsigned int)index, .op = op, .datum_a = value, .datum_b = value_two};
	}
	/* crun skips a rule whose action is the default one (libseccomp would refuse it). */
	if (action == default_action)
		return 0;

	char *name_save = NULL;
	for (char *name = strtok_r(names, ",", &name_save); name; name = strtok_r(NULL, ",", &name_save)) {
		int nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR)
			continue; /* crun: "unknown seccomp syscall ignored" */
		int r;
		if (!multiple) {
			r = seccomp_rule_add_array(ctx, action, nr, (unsigned int)k, cmp);
		} else {
			/* The same argument compared twice: one rule per comparison, as crun does. */
			r = 0;
			for (size_t i = 0; i < k && r >= 0; i++)
				r = seccomp_rule_add_array(ctx, action, nr, 1, &cmp[i]);
		}
		if (r < 0)
			return fail("seccomp_rule_add ", name);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return fail("usage: tsengine-seccomp OUTPUT < PROFILE", "");
	static char line[MAX_LINE];
	scmp_filter_ctx ctx = NULL;
	uint32_t default_action = 0;
	int status = 0;
	while (status == 0 && fgets(line, sizeof line, stdin)) {
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		else if (!feof(stdin))
			return fail("line too long", "");
		if (strncmp(line, "default ", 8) == 0) {
			char *save = NULL;
			char *action_name = strtok_r(line + 8, " ", &save);
			char *errno_text = strtok_r(NULL, " ", &save);
			int errno_ret;
			bool present;
			if (ctx || !action_name || !errno_text || !parse_errno(errno_text, &errno_ret, &present))
				return fail("malformed default line", "");
			if (present && !action_takes_errno(action_name))
				return fail("errno value specified for action ", action_name);
			if (!action_value(action_name, errno_ret, &default_action))
				return fail("invalid seccomp action ", action_name);
			ctx = seccomp_init(default_action);
			if (!ctx)
				return fail("error seccomp_init", "");
		} else if (!ctx) {
			return fail("the first line must be `default`", "");
		} else if (strncmp(line, "arch ", 5) == 0) {
			status = add_arch(ctx, line + 5);
		} else if (strncmp(line, "rule ", 5) == 0) {
			status = add_rule(ctx, default_action, line + 5);
		} else if (n > 0) {
			status = fail("unknown line: ", line);
		}
	}
	if (status == 0 && !ctx)
		status = fail("no `default` line", "");
	if (status == 0) {
		int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0) {
			status = fail("cannot open ", argv[1]);
		} else {
			int r = seccomp_export_bpf(ctx, fd);
			if (close(fd) != 0 || r < 0)
				status = fail("seccomp_export_bpf to ", argv[1]);
		}
	}
	if (status == 0) {
		Dl_info info;
		const struct scmp_version *v = seccomp_version();
		if (dladdr((void *)seccomp_init, &info) == 0 || info.dli_fname == NULL || v == NULL)
			status = fail("cannot tell which libseccomp is loaded", "");
		else
			printf("%s %u.%u.%u\n", info.dli_fname, v->major, v->minor, v->micro);
	}
	if (ctx)
		seccomp_release(ctx);
	return status;
}
