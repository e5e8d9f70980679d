#include "cri-log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "io.h"

/* Three iovecs per record (head, text, newline); this many records go out in one writev(). */
#define RECORDS_PER_WRITE 256

static struct iovec iov[RECORDS_PER_WRITE * 3];
static char newline[] = "\n";

int cri_log_open(struct cri_log *log, const char *path)
{
	log->cut_record = false;
	log->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	return log->fd < 0 ? errno : 0;
}

void cri_log_close(struct cri_log *log)
{
	log->fd = close_fd(log->fd);
}

/*
 * Writes iov[0..count) in full; returns false when the disk refused (the rest of the chunk is dropped).
 * ENOSPC/EDQUOT/EFBIG/EIO are a full or failing disk, which must stop neither the container nor us: the
 * records are dropped (conmon does the same) and the next chunk may fit. Any other error (none is
 * expected on an O_APPEND regular file) is treated the same way rather than ending the monitor.
 */
static bool write_records(struct cri_log *log, size_t count)
{
	if (log->cut_record) {
		if (write_all(log->fd, "\n", 1) != 0)
			return false;
		log->cut_record = false;
	}
	struct iovec *v = iov;
	size_t left = count;
	bool at_record_start = true;
	while (left > 0) {
		ssize_t w = writev(log->fd, v, left > IOV_MAX ? IOV_MAX : (int)left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			log->cut_record = !at_record_start;
			return false;
		}
		/* Skip what was written: whole iovecs, then part of one. */
		size_t done = (size_t)w;
		while (left > 0 && done >= v->iov_len) {
			done -= v->iov_len;
			v++;
			left--;
		}
		if (left > 0 && done > 0) {
			v->iov_base = (char *)v->iov_base + done;
			v->iov_len -= done;
		}
		at_record_start = done == 0 && (size_t)(v - iov) % 3 == 0;
	}
	return true;
}

/* Moves a cut back off UTF-8 continuation bytes so a long line is not split inside a character. */
static size_t utf8_boundary(const char *buf, size_t cut, size_t min)
{
	size_t c = cut;
	while (c > min && ((unsigned char)buf[c] & 0xc0) == 0x80)
		c--;
	return c == min ? cut : c;
}

void cri_log_write(struct cri_log *log, const char *stream, const char *chunk, size_t n)
{
	if (log->fd < 0)
		return;
	char stamp[RFC3339_NANO_SIZE];
	format_rfc3339_nano(wall_now(), stamp);
	char head_f[64], head_p[64];
	int head_len = snprintf(head_f, sizeof head_f, "%s %s F ", stamp, stream);
	snprintf(head_p, sizeof head_p, "%s %s P ", stamp, stream);

	size_t count = 0;
	size_t start = 0;
	while (start < n) {
		const char *nl = memchr(chunk + start, '\n', n - start);
		size_t end = nl == NULL ? n : (size_t)(nl - chunk);
		size_t pos = start;
		for (;;) {
			bool partial;
			size_t to;
			if (end - pos > MAX_RECORD_TEXT) {
				to = utf8_boundary(chunk, pos + MAX_RECORD_TEXT, pos);
				partial = true;
			} else if (nl == NULL) {
				if (end == pos)
					break;
				to = end;
				partial = true;
			} else {
				to = end;
				partial = false;
			}
			if (count == sizeof iov / sizeof iov[0]) {
				if (!write_records(log, count))
					return;
				count = 0;
			}
			iov[count++] = (struct iovec){partial ? head_p : head_f, (size_t)head_len};
			/* writev() only reads it; struct iovec has no const. */
			iov[count++] = (struct iovec){(char *)chunk + pos, to - pos};
			iov[count++] = (struct iovec){newline, 1};
			pos = to;
			if (!partial || pos == end)
				break;
		}
		if (nl == NULL)
			break;
		start = end + 1;
	}
	if (count > 0)
		write_records(log, count);
}
