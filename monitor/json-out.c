/* JSON out: event lines and the exit record, escaped as JSON.stringify() does (json.h). */
#include "json.h"

#include <stdio.h>
#include <string.h>

#include "io.h"

void json_out_init(struct json_out *o, int fd)
{
	o->fd = fd;
	o->error = 0;
	o->len = 0;
}

int json_flush(struct json_out *o)
{
	if (o->error == 0 && o->len > 0)
		o->error = write_all(o->fd, o->buf, o->len);
	o->len = 0;
	return o->error;
}

static void put(struct json_out *o, const char *s, size_t n)
{
	while (n > 0) {
		if (o->len == sizeof o->buf)
			json_flush(o);
		size_t k = sizeof o->buf - o->len;
		if (k > n)
			k = n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

void json_raw(struct json_out *o, const char *s)
{
	put(o, s, strlen(s));
}

void json_int(struct json_out *o, long long v)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%lld", v);
	put(o, num, (size_t)n);
}

/*
 * Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not valid; then *skip is how many bytes
 * one U+FFFD replaces (the WHATWG decoder's "maximal subpart", which is what node's decoder does).
 */
static size_t utf8_sequence(const unsigned char *s, size_t n, size_t *skip)
{
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	size_t need;
	unsigned lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0; /* no overlong forms */
		if (c == 0xed)
			hi = 0x9f; /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f; /* nothing above U+10FFFF */
	} else {
		*skip = 1;
		return 0;
	}
	for (size_t i = 1; i <= need; i++) {
		unsigned min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xbf;
		if (i >= n || s[i] < min || s[i] > max) {
			*skip = i;
			return 0;
		}
	}
	return need + 1;
}

void json_string(struct json_out *o, const char *s, size_t n)
{
	static const char HEX[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	put(o, "\"", 1);
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c >= 0x80) {
			size_t skip = 0, len = utf8_sequence(p + i, n - i, &skip);
			if (len > 0) {
				put(o, s + i, len);
				i += len;
			} else {
				put(o, "\xef\xbf\xbd", 3);
				i += skip;
			}
			continue;
		}
		char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
		size_t esc_len = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			if (c >= 0x20) {
				put(o, s + i, 1);
				i++;
				continue;
			}
			memcpy(esc + 1, "u00", 3);
			esc[4] = HEX[c >> 4];
			esc[5] = HEX[c & 15];
			esc_len = 6;
		}
		put(o, esc, esc_len);
		i++;
	}
	put(o, "\"", 1);
}
