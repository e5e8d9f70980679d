/*
 * The container's log, in the CRI (k8s-file) format that `logs` reads back (engine/container/logs.ts):
 *   `<RFC3339Nano UTC> stdout|stderr F|P <text>\n`
 * F closes a line; P is a piece of a line that the next record of the same stream continues: the end of a
 * read that stopped mid-line, or a 16 KiB slice of a longer line (kubelet and conmon cut there too), cut
 * on a UTF-8 character boundary.
 *
 * Writes are synchronous, as conmon's are: while one blocks we read nothing more from the container's
 * pipes, so a slow disk slows the container's writes instead of growing a queue. Records point into the
 * chunk just read (writev), so nothing is copied or kept.
 */
#ifndef TSENGINE_MONITOR_CRI_LOG_H
#define TSENGINE_MONITOR_CRI_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* Longest text in one record; a longer line becomes several P records and a final F. */
#define MAX_RECORD_TEXT (16 * 1024)

struct cri_log {
	int fd;
	/* A write failed part-way through a record: the file does not end with a newline. */
	bool cut_record;
};

/* Opens (creates, 0600) for appending: a restarted container's log continues the same file. 0 or errno. */
int cri_log_open(struct cri_log *log, const char *path);
/* Writes the records of one chunk read from the container's stream ("stdout"/"stderr"), one timestamp. */
void cri_log_write(struct cri_log *log, const char *stream, const char *chunk, size_t n);
void cri_log_close(struct cri_log *log);

#endif
