/* json.h - one JSON object on a stream, for authalign --json (authalign(8)).
 *
 * The writer keeps the commas and the nesting; strings are escaped so the
 * output is ASCII only: '"' and '\' escaped, newline and tab as \n and \t,
 * every other control byte and DEL as \u00XX,
 * valid UTF-8 as \uXXXX (surrogate pairs above U+FFFF), and every byte that
 * is not part of valid UTF-8 as \ufffd (U+FFFD, the replacement character).
 */
#ifndef AA_TOOL_JSON_H
#define AA_TOOL_JSON_H

#include <stddef.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 8

struct json {
	FILE *out;
	int depth;
	int too_deep;			/* opens past JSON_DEPTH_MAX, written as null */
	int first[JSON_DEPTH_MAX];	/* nothing written yet at that level */
	char close[JSON_DEPTH_MAX];	/* '}' or ']' that ends that level */
};

/* Start the one object ("{"); json_finish() closes it with a newline. */
void json_start(struct json *j, FILE *out);
void json_finish(struct json *j);

/* Members: key is NULL inside an array. Nesting deeper than
 * JSON_DEPTH_MAX is a caller's bug; the output stays balanced. A NULL string is written as null. */
void json_str(struct json *j, const char *key, const char *s);
void json_strn(struct json *j, const char *key, const char *s, size_t len);
void json_int(struct json *j, const char *key, long long v);
void json_bool(struct json *j, const char *key, int v);
void json_open(struct json *j, const char *key, char bracket);	/* '{' or '[' */
void json_close(struct json *j);

#endif
