/*
 * The runtime's own JSON log: runc, crun and runsc (`--log FILE --log-format json`) write one object per
 * line, `{"level":"error","msg":"…","time":"…"}`. An error-level entry written during this run means the
 * runtime failed (e.g. it could not exec the container's command).
 */
#ifndef TSENGINE_MONITOR_RUNTIME_LOG_H
#define TSENGINE_MONITOR_RUNTIME_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The file's size now (0 when it does not exist), so that an earlier run's entries are not read as ours. */
off_t runtime_log_size(const char *path);

/*
 * The msg of the last error/fatal/panic entry written at or after `offset`, if any: points into a static
 * buffer (valid until the next call), length in *len. Reads at most the last 64 KiB of the file.
 */
const char *runtime_log_last_error(const char *path, off_t offset, size_t *len);

#endif
