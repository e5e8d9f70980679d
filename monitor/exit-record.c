#include "exit-record.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "io.h"

void exit_record_json(struct json_out *o, const struct exit_record *r)
{
	char stamp[ISO_MS_SIZE];
	json_raw(o, "{\"v\":1,\"exitCode\":");
	json_int(o, r->exit_code);
	if (r->signal != NULL) {
		json_raw(o, ",\"signal\":");
		json_string(o, r->signal, strlen(r->signal));
	}
	format_iso_ms(r->finished_at, stamp);
	json_raw(o, ",\"finishedAt\":\"");
	json_raw(o, stamp);
	json_raw(o, "\"");
	if (r->has_started_at) {
		format_iso_ms(r->started_at, stamp);
		json_raw(o, ",\"startedAt\":\"");
		json_raw(o, stamp);
		json_raw(o, "\"");
	}
	if (r->runtime_error != NULL) {
		json_raw(o, ",\"runtimeError\":");
		json_string(o, r->runtime_error, r->runtime_error_len);
	}
	if (r->pid > 0) {
		json_raw(o, ",\"pid\":");
		json_int(o, r->pid);
	}
	if (r->oom_killed)
		json_raw(o, ",\"oomKilled\":true");
	json_raw(o, "}");
}

/* Fills the temp file; returns 0 or an errno. */
static int fill_temp(int fd, const struct exit_record *r)
{
	static struct json_out out;
	json_out_init(&out, fd);
	exit_record_json(&out, r);
	json_raw(&out, "\n");
	int e = json_flush(&out);
	if (e == 0 && fsync(fd) < 0)
		e = errno;
	return e;
}

int write_exit_file(const char *path, const struct exit_record *r)
{
	const char *slash = strrchr(path, '/'); /* absolute: spec.c checked */
	int dir_len = slash == path ? 1 : (int)(slash - path);
	char tmp[PATH_MAX];
	int n = snprintf(tmp, sizeof tmp, "%.*s/.%s.%ld.tmp", slash == path ? 0 : dir_len, path, slash + 1, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp)
		return ENAMETOOLONG;

	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	int e = fill_temp(fd, r);
	/* After a successful fsync a close() error cannot lose the record. */
	close_fd(fd);
	if (e == 0 && rename(tmp, path) < 0)
		e = errno;
	if (e != 0) {
		/* Whatever unlink says (ENOENT: the directory went away meanwhile), the failure to report is e. */
		unlink(tmp);
		return e;
	}

	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%.*s", dir_len, path);
	int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return errno;
	if (fsync(dir_fd) < 0)
		e = errno;
	close_fd(dir_fd);
	return e;
}
