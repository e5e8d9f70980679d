/* JSON in: a strict reader for one object's string fields, and string unescaping (json.h). */
#include "json.h"

#include <string.h>

#define MAX_DEPTH 64
/* A key longer than this, escaped, cannot be one we look for ("level" spelled as \u escapes is 30). */
#define MAX_KEY_RAW 64

struct reader {
	const char *p;
	const char *end;
};

static void skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static bool accept(struct reader *r, char c)
{
	if (r->p < r->end && *r->p == c) {
		r->p++;
		return true;
	}
	return false;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_hex4(const char *p)
{
	for (int i = 0; i < 4; i++)
		if (hex_digit(p[i]) < 0)
			return false;
	return true;
}

static unsigned hex4(const char *p)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++)
		v = v << 4 | (unsigned)hex_digit(p[i]);
	return v;
}

static bool read_string(struct reader *r, const char **raw, size_t *len)
{
	if (!accept(r, '"'))
		return false;
	const char *start = r->p;
	while (r->p < r->end) {
		unsigned char c = (unsigned char)*r->p;
		if (c == '"') {
			*raw = start;
			*len = (size_t)(r->p - start);
			r->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		r->p++;
		if (c != '\\')
			continue;
		if (r->p >= r->end)
			return false;
		switch (*r->p) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			r->p++;
			break;
		case 'u':
			if (r->end - r->p < 5 || !is_hex4(r->p + 1))
				return false;
			r->p += 5;
			break;
		default:
			return false;
		}
	}
	return false;
}

static bool read_digits(struct reader *r)
{
	const char *start = r->p;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	return r->p > start;
}

static bool read_number(struct reader *r)
{
	accept(r, '-');
	if (!accept(r, '0') && !read_digits(r))
		return false;
	if (accept(r, '.') && !read_digits(r))
		return false;
	if (accept(r, 'e') || accept(r, 'E')) {
		if (!accept(r, '+'))
			accept(r, '-');
		if (!read_digits(r))
			return false;
	}
	return true;
}

static bool read_literal(struct reader *r, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return false;
	r->p += n;
	return true;
}

static bool read_object(struct reader *r, int depth, struct json_field *fields, size_t nfields);

static bool read_array(struct reader *r, int depth);

static bool read_value(struct reader *r, int depth)
{
	if (r->p >= r->end)
		return false;
	const char *raw;
	size_t len;
	switch (*r->p) {
	case '{': return read_object(r, depth + 1, NULL, 0);
	case '[': return read_array(r, depth + 1);
	case '"': return read_string(r, &raw, &len);
	case 't': return read_literal(r, "true");
	case 'f': return read_literal(r, "false");
	case 'n': return read_literal(r, "null");
	default: return read_number(r);
	}
}

static bool read_array(struct reader *r, int depth)
{
	if (depth > MAX_DEPTH || !accept(r, '['))
		return false;
	skip_ws(r);
	if (accept(r, ']'))
		return true;
	for (;;) {
		skip_ws(r);
		if (!read_value(r, depth))
			return false;
		skip_ws(r);
		if (accept(r, ']'))
			return true;
		if (!accept(r, ','))
			return false;
	}
}

static struct json_field *field_for(const char *raw, size_t len, struct json_field *fields, size_t nfields)
{
	if (nfields == 0 || len > MAX_KEY_RAW)
		return NULL;
	char key[MAX_KEY_RAW];
	size_t n = json_unescape(raw, len, key);
	for (size_t i = 0; i < nfields; i++)
		if (strlen(fields[i].key) == n && memcmp(fields[i].key, key, n) == 0)
			return &fields[i];
	return NULL;
}

static bool read_object(struct reader *r, int depth, struct json_field *fields, size_t nfields)
{
	if (depth > MAX_DEPTH || !accept(r, '{'))
		return false;
	skip_ws(r);
	if (accept(r, '}'))
		return true;
	for (;;) {
		const char *key;
		size_t key_len;
		skip_ws(r);
		if (!read_string(r, &key, &key_len))
			return false;
		skip_ws(r);
		if (!accept(r, ':'))
			return false;
		skip_ws(r);
		struct json_field *f = field_for(key, key_len, fields, nfields);
		if (f != NULL && r->p < r->end && *r->p == '"') {
			if (!read_string(r, &f->raw, &f->raw_len))
				return false;
			f->present = f->is_string = true;
		} else {
			if (!read_value(r, depth))
				return false;
			if (f != NULL) {
				f->present = true;
				f->is_string = false;
			}
		}
		skip_ws(r);
		if (accept(r, '}'))
			return true;
		if (!accept(r, ','))
			return false;
	}
}

bool json_object_fields(const char *p, size_t n, struct json_field *fields, size_t nfields)
{
	struct reader r = {p, p + n};
	for (size_t i = 0; i < nfields; i++)
		fields[i].present = fields[i].is_string = false;
	skip_ws(&r);
	if (!read_object(&r, 1, fields, nfields))
		return false;
	skip_ws(&r);
	return r.p == r.end;
}

static size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t json_unescape(const char *raw, size_t n, char *dst)
{
	/* In place is safe: every step writes no more bytes than it consumed, after reading them. */
	size_t i = 0, o = 0;
	while (i < n) {
		char c = raw[i];
		if (c != '\\') {
			dst[o++] = c;
			i++;
			continue;
		}
		char e = raw[i + 1];
		i += 2;
		switch (e) {
		case 'b': dst[o++] = '\b'; break;
		case 'f': dst[o++] = '\f'; break;
		case 'n': dst[o++] = '\n'; break;
		case 'r': dst[o++] = '\r'; break;
		case 't': dst[o++] = '\t'; break;
		case 'u': {
			unsigned cp = hex4(raw + i);
			i += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && i + 6 <= n && raw[i] == '\\' && raw[i + 1] == 'u') {
				unsigned low = hex4(raw + i + 2);
				if (low >= 0xdc00 && low <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
					i += 6;
				}
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd; /* a lone surrogate has no UTF-8 form */
			o += put_utf8(dst + o, cp);
			break;
		}
		default: /* '"', '\\', '/' */
			dst[o++] = e;
		}
	}
	return o;
}
