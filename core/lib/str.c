/* str.c - the one string builder (aa_str.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_arena.h"
#include "aa_str.h"

#define STR_FIRST_SIZE 128	/* first allocation; every growth doubles */

void aa_str_init(struct aa_str *s, struct aa_arena *arena, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->arena = arena;
	s->max = max == SIZE_MAX ? SIZE_MAX - 1 : max;	/* room for the NUL */
}

/* Make room for len + 1 more bytes, doubling; 0 or -1 (no memory). The
 * caller has checked the cap, so len + 1 more cannot overflow. */
static int str_reserve(struct aa_str *s, size_t len)
{
	size_t need = s->len + len + 1, size = s->size > 0 ? s->size : STR_FIRST_SIZE;
	char *grown;

	if (need <= s->size)
		return 0;
	while (size < need)
		size = size > SIZE_MAX / 2 ? need : size * 2;
	if (s->arena != NULL) {
		/* the old buffer stays in the arena: growth by doubling keeps
		 * all of them together smaller than the new one */
		grown = aa_arena_alloc(s->arena, size);
		if (grown != NULL && s->buf != NULL)
			memcpy(grown, s->buf, s->len + 1);
	} else {
		grown = realloc(s->buf, size);
	}
	if (grown == NULL) {
		s->nomem = 1;
		return -1;
	}
	s->buf = grown;
	s->size = size;
	return 0;
}

/* 0 when len more bytes may go in; -1 (flags set) when they may not. */
static int str_room(struct aa_str *s, size_t len)
{
	if (s->nomem)
		return -1;
	if (len > s->max - s->len) {
		s->over = 1;
		return -1;
	}
	return str_reserve(s, len);
}

int aa_str_add(struct aa_str *s, const void *data, size_t len)
{
	if (str_room(s, len) < 0)
		return -1;
	if (len > 0)
		memcpy(s->buf + s->len, data, len);
	s->len += len;
	s->buf[s->len] = '\0';
	return 0;
}

int aa_str_addz(struct aa_str *s, const char *z)
{
	return aa_str_add(s, z, strlen(z));
}

int aa_str_vprintf(struct aa_str *s, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0)
		s->nomem = 1;	/* vsnprintf fails only for want of memory or a bad format */
	else if (str_room(s, (size_t)n) == 0) {
		vsnprintf(s->buf + s->len, (size_t)n + 1, fmt, again);
		s->len += (size_t)n;
		va_end(again);
		return 0;
	}
	va_end(again);
	return -1;
}

int aa_str_printf(struct aa_str *s, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = aa_str_vprintf(s, fmt, ap);
	va_end(ap);
	return rc;
}

void aa_str_truncate(struct aa_str *s, size_t len)
{
	if (len < s->len) {
		s->len = len;
		s->buf[len] = '\0';
	}
}

char *aa_str_finish(struct aa_str *s, size_t *len_r)
{
	if (s->nomem || (s->buf == NULL && str_reserve(s, 0) < 0))
		return NULL;
	s->buf[s->len] = '\0';
	if (len_r != NULL)
		*len_r = s->len;
	return s->buf;
}

void aa_str_free(struct aa_str *s)
{
	if (s->arena == NULL)
		free(s->buf);
	s->buf = NULL;
	s->len = s->size = 0;
}

char *aa_str_wrap(struct aa_arena *arena, const char *text, size_t width)
{
	size_t len = strlen(text), start = 0;
	struct aa_str out;

	aa_str_init(&out, arena, AA_STR_NO_CAP);
	if (width == 0)
		width = 1;
	while (len - start > width) {
		size_t cut = start + width, next;

		while (cut > start && text[cut] != ' ')
			cut--;
		if (cut == start) {	/* one word longer than a line */
			cut = start + width;
			next = cut;
		} else {
			next = cut + 1;
		}
		aa_str_add(&out, text + start, cut - start);
		aa_str_addz(&out, "\n");
		start = next;
	}
	aa_str_add(&out, text + start, len - start);
	return aa_str_finish(&out, NULL);
}
