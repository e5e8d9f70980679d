#include "clock.h"

#include <string.h>

struct timespec wall_now(void)
{
	struct timespec t;
	/* Cannot fail for CLOCK_REALTIME with a valid pointer. */
	clock_gettime(CLOCK_REALTIME, &t);
	return t;
}

/* Writes v as exactly `width` decimal digits (zero-padded, the high digits dropped); returns out + width. */
static char *digits(char *out, long v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return out + width;
}

/* "2024-05-01T12:00:00" (19 bytes, no NUL); returns the end. Years are 4 digits, as in toISOString() up to 9999. */
static char *date_time(char *out, time_t secs)
{
	struct tm tm;
	gmtime_r(&secs, &tm);
	out = digits(out, tm.tm_year + 1900L, 4);
	*out++ = '-';
	out = digits(out, tm.tm_mon + 1, 2);
	*out++ = '-';
	out = digits(out, tm.tm_mday, 2);
	*out++ = 'T';
	out = digits(out, tm.tm_hour, 2);
	*out++ = ':';
	out = digits(out, tm.tm_min, 2);
	*out++ = ':';
	return digits(out, tm.tm_sec, 2);
}

void format_rfc3339_nano(struct timespec t, char out[RFC3339_NANO_SIZE])
{
	char *p = date_time(out, t.tv_sec);
	*p++ = '.';
	p = digits(p, t.tv_nsec, 9);
	memcpy(p, "Z", 2);
}

void format_iso_ms(struct timespec t, char out[ISO_MS_SIZE])
{
	char *p = date_time(out, t.tv_sec);
	*p++ = '.';
	p = digits(p, t.tv_nsec / 1000000, 3);
	memcpy(p, "Z", 2);
}

int64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}
