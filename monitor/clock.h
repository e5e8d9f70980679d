/* Time as the monitor writes it: wall-clock stamps for the log and the exit record, a monotonic clock for timers. */
#ifndef TSENGINE_MONITOR_CLOCK_H
#define TSENGINE_MONITOR_CLOCK_H

#include <stdint.h>
#include <time.h>

/* RFC3339Nano in UTC, "2024-05-01T12:00:00.123456789Z": 30 bytes and a NUL. */
#define RFC3339_NANO_SIZE 31
/* ISO 8601 with milliseconds, as JavaScript's Date#toISOString(): "2024-05-01T12:00:00.123Z". */
#define ISO_MS_SIZE 25

struct timespec wall_now(void);
void format_rfc3339_nano(struct timespec t, char out[RFC3339_NANO_SIZE]);
void format_iso_ms(struct timespec t, char out[ISO_MS_SIZE]);

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t mono_ns(void);

#define NS_PER_MS INT64_C(1000000)

#endif
