#include "spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* sun_path holds 108 bytes with the terminating NUL. */
#define MAX_SOCKET_PATH 107

struct value_option {
	const char *name;
	const char **value;
	bool is_path;
};

static int fail(char *err, size_t size, const char *what, const char *detail)
{
	snprintf(err, size, "%s%s", what, detail);
	return -1;
}

static int parse(int argc, char **argv, struct launch_spec *spec, char **exit_command, char **start_argv, char *err, size_t err_size)
{
	size_t start_argv_len = 0;
	const char *tty_size = NULL;
	const struct value_option options[] = {
		{"--cid", &spec->container_id, false},
		{"--log", &spec->log_path, true},
		{"--exit-file", &spec->exit_file, true},
		{"--pid-file", &spec->pid_file, true},
		{"--runtime-log", &spec->runtime_log, true},
		{"--attach-socket", &spec->attach_socket, true},
		{"--exit-command-log", &spec->exit_command_log, true},
		{"--console-socket", &spec->console_socket, true},
		{"--unmount", &spec->unmount, true},
		{"--oom-cgroup", &spec->oom_cgroup, true},
		{"--tty-size", &tty_size, false},
	};
	const size_t noptions = sizeof options / sizeof options[0];
	size_t exit_command_len = 0;

	int i = 1;
	for (; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--") == 0) {
			spec->runtime_argv = &argv[i + 1];
			break;
		}
		bool *flag = strcmp(arg, "--stdin") == 0 ? &spec->stdin_pipe
			     : strcmp(arg, "--attached") == 0 ? &spec->attached
			     : strcmp(arg, "--runtime-detaches") == 0 ? &spec->runtime_detaches
			     : NULL;
		if (flag != NULL) {
			if (*flag)
				return fail(err, err_size, arg, " given twice");
			*flag = true;
			continue;
		}
		bool is_exit_arg = strcmp(arg, "--exit-command-arg") == 0;
		bool is_start_arg = strcmp(arg, "--start-arg") == 0;
		const struct value_option *opt = NULL;
		for (size_t k = 0; k < noptions && !is_exit_arg && !is_start_arg; k++)
			if (strcmp(arg, options[k].name) == 0)
				opt = &options[k];
		if (opt == NULL && !is_exit_arg && !is_start_arg)
			return fail(err, err_size, "unknown option ", arg);
		if (i + 1 >= argc)
			return fail(err, err_size, arg, " needs a value");
		const char *value = argv[++i];
		if (is_exit_arg) {
			exit_command[exit_command_len++] = argv[i];
			continue;
		}
		if (is_start_arg) {
			start_argv[start_argv_len++] = argv[i];
			continue;
		}
		if (*opt->value != NULL)
			return fail(err, err_size, arg, " given twice");
		if (value[0] == '\0')
			return fail(err, err_size, arg, ": expected a non-empty value");
		if (opt->is_path && value[0] != '/') {
			snprintf(err, err_size, "%s: expected an absolute path, got \"%s\"", arg, value);
			return -1;
		}
		*opt->value = value;
	}

	if (spec->runtime_argv == NULL || spec->runtime_argv[0] == NULL)
		return fail(err, err_size, "no runtime command line after --", "");
	if (spec->runtime_argv[0][0] == '\0')
		return fail(err, err_size, "the runtime command (first argument after --) is empty", "");
	for (size_t k = 0; k < 4; k++)
		if (*options[k].value == NULL)
			return fail(err, err_size, "missing ", options[k].name);
	if (spec->attach_socket != NULL && strlen(spec->attach_socket) > MAX_SOCKET_PATH) {
		snprintf(err, err_size, "--attach-socket: longer than %d bytes: %s", MAX_SOCKET_PATH, spec->attach_socket);
		return -1;
	}
	if (spec->console_socket != NULL && strlen(spec->console_socket) > MAX_SOCKET_PATH) {
		snprintf(err, err_size, "--console-socket: longer than %d bytes: %s", MAX_SOCKET_PATH, spec->console_socket);
		return -1;
	}
	if (tty_size != NULL) {
		if (spec->console_socket == NULL)
			return fail(err, err_size, "--tty-size needs --console-socket", "");
		unsigned rows, cols;
		char end;
		if (sscanf(tty_size, "%5ux%5u%c", &rows, &cols, &end) != 2 || rows == 0 || cols == 0 || rows > 65535 || cols > 65535) {
			snprintf(err, err_size, "--tty-size: expected ROWSxCOLS (1-65535 each), got \"%s\"", tty_size);
			return -1;
		}
		spec->tty_rows = (unsigned short)rows;
		spec->tty_cols = (unsigned short)cols;
	}
	if (start_argv_len > 0) {
		if (!spec->runtime_detaches)
			return fail(err, err_size, "--start-arg needs --runtime-detaches", "");
		if (start_argv[0][0] == '\0')
			return fail(err, err_size, "the start command (first --start-arg) is empty", "");
		spec->start_argv = start_argv;
	}
	if (exit_command_len > 0) {
		if (exit_command[0][0] == '\0')
			return fail(err, err_size, "the exit command (first --exit-command-arg) is empty", "");
		spec->exit_command = exit_command;
	}
	return 0;
}

int parse_launch_spec(int argc, char **argv, struct launch_spec *spec, char *err, size_t err_size)
{
	memset(spec, 0, sizeof *spec);
	/* At most argc arguments of the exit command, and its NULL. Kept for the monitor's lifetime. */
	char **exit_command = calloc((size_t)argc + 1, sizeof *exit_command);
	char **start_argv = calloc((size_t)argc + 1, sizeof *start_argv);
	if (exit_command == NULL || start_argv == NULL) {
		free(exit_command);
		free(start_argv);
		return fail(err, err_size, "out of memory", "");
	}
	int r = parse(argc, argv, spec, exit_command, start_argv, err, err_size);
	if (r != 0 || spec->exit_command == NULL)
		free(exit_command);
	if (r != 0 || spec->start_argv == NULL)
		free(start_argv);
	return r;
}
