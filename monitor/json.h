/*
 * The little JSON the monitor speaks. Out: event lines and the exit record, byte for byte as
 * JSON.stringify() would write them (monitor/protocol.ts decodes and re-encodes them in a test). In: the
 * runtime's JSON log lines, `{"level":"error","msg":"…","time":"…"}`, of which we need two string fields.
 */
#ifndef TSENGINE_MONITOR_JSON_H
#define TSENGINE_MONITOR_JSON_H

#include <stdbool.h>
#include <stddef.h>

/* ---- writing: buffered, to an fd ---- */

#define JSON_OUT_BUFFER 4096

struct json_out {
	int fd;
	/* errno of the first failed write; from then on nothing more is written. */
	int error;
	size_t len;
	char buf[JSON_OUT_BUFFER];
};

void json_out_init(struct json_out *o, int fd);
/* Text copied as is (punctuation, keys we spell ourselves). */
void json_raw(struct json_out *o, const char *s);
/* A quoted string of n bytes: escaped as JSON.stringify() does; invalid UTF-8 becomes U+FFFD, as node's decoder makes it. */
void json_string(struct json_out *o, const char *s, size_t n);
void json_int(struct json_out *o, long long v);
/* Writes what is buffered; returns 0 or the errno of the first failed write. */
int json_flush(struct json_out *o);

/* ---- reading: one object's string fields ---- */

struct json_field {
	/* Looked up by this decoded key; the last occurrence wins, as in JSON.parse(). */
	const char *key;
	bool present;
	/* The value is a string; `raw` is its text between the quotes, still escaped. */
	bool is_string;
	const char *raw;
	size_t raw_len;
};

/*
 * True when [p, p+n) is exactly one JSON object (whitespace around it allowed); then fills `fields`.
 * Nesting deeper than 64 levels counts as invalid.
 */
bool json_object_fields(const char *p, size_t n, struct json_field *fields, size_t nfields);

/* Decodes the escapes of a string's raw text (as validated by json_object_fields) into dst, which may be
 * raw itself: the result is never longer. Lone surrogates become U+FFFD. Returns the decoded length. */
size_t json_unescape(const char *raw, size_t n, char *dst);

#endif
