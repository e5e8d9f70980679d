#include "runtime-log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "json.h"

/* Of the runtime's log only the end matters (runsc's debug logs can be large). */
#define TAIL_BYTES (64 * 1024)

static char tail[TAIL_BYTES];

off_t runtime_log_size(const char *path)
{
	struct stat st;
	/* ENOENT: the runtime logs only when it has something to say. Any other failure: we could not read
	 * it later either, and 0 makes the later read find what it can. */
	if (stat(path, &st) < 0)
		return 0;
	return st.st_size;
}

static bool is_error_level(const char *raw, size_t len)
{
	static const char *const LEVELS[] = {"error", "fatal", "panic"};
	char level[8];
	if (len >= sizeof level)
		return false;
	size_t n = json_unescape(raw, len, level);
	for (size_t i = 0; i < sizeof LEVELS / sizeof LEVELS[0]; i++)
		if (strlen(LEVELS[i]) == n && memcmp(LEVELS[i], level, n) == 0)
			return true;
	return false;
}

const char *runtime_log_last_error(const char *path, off_t offset, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	/* ENOENT: the runtime never wrote one. Other errors: nothing to learn from it either. */
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close_fd(fd);
		return NULL;
	}
	off_t from = st.st_size - TAIL_BYTES > offset ? st.st_size - TAIL_BYTES : offset;
	size_t got = 0;
	while (from + (off_t)got < st.st_size) {
		ssize_t r = pread(fd, tail + got, (size_t)(st.st_size - from) - got, from + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break; /* truncated meanwhile, or unreadable: use what we have */
		got += (size_t)r;
	}
	close_fd(fd);

	size_t pos = 0;
	if (from > offset) {
		/* The tail window starts inside a line: that line is not whole. */
		const char *nl = memchr(tail, '\n', got);
		pos = nl == NULL ? got : (size_t)(nl - tail) + 1;
	}
	size_t msg_at = 0, msg_len = 0;
	bool found = false;
	while (pos < got) {
		/* runsc does not end its last entry with a newline. */
		const char *nl = memchr(tail + pos, '\n', got - pos);
		size_t end = nl == NULL ? got : (size_t)(nl - tail);
		struct json_field fields[] = {{.key = "level"}, {.key = "msg"}};
		if (tail[pos] == '{' && json_object_fields(tail + pos, end - pos, fields, 2) &&
		    fields[0].is_string && fields[1].is_string && fields[1].raw_len > 0 &&
		    is_error_level(fields[0].raw, fields[0].raw_len)) {
			found = true;
			msg_at = (size_t)(fields[1].raw - tail);
			msg_len = fields[1].raw_len;
		}
		pos = end + 1;
	}
	if (!found)
		return NULL;
	/* Decoded in place: only the last one, and it never grows. */
	*len = json_unescape(tail + msg_at, msg_len, tail + msg_at);
	return tail + msg_at;
}
