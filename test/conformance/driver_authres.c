/* driver_authres.c - Authentication-Results fields through the parser.
 *
 * stdin holds cases, each a line "<op> <len>" followed by len bytes and
 * a newline. op is "strict" or "lenient" (aa_authres_parse on the value,
 * "Authentication-Results:" stripped when present), or "ours:<id>"
 * (aa_authres_is_ours on the whole field). One JSON line a case on
 * stdout: {"valid": ..., "authserv_id", "version", "results": [...],
 * "skipped", "format"} or {"valid": false, "error"}, or {"ours": 0|1}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_authres.h"

static void json_str(const char *s)
{
	if (s == NULL) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_parsed(struct aa_ctx *ctx, const struct aa_authres_parsed *p)
{
	fputs("{\"valid\": true, \"authserv_id\": ", stdout);
	json_str(p->authserv_id);
	fputs(", \"version\": ", stdout);
	json_str(p->version);
	printf(", \"skipped\": %zu, \"results\": [", p->skipped);
	for (size_t i = 0; i < p->count; i++) {
		const struct aa_authres_resinfo *r = &p->r[i];

		fputs(i > 0 ? ", {\"method\": " : "{\"method\": ", stdout);
		json_str(r->method);
		fputs(", \"method_version\": ", stdout);
		json_str(r->method_version);
		fputs(", \"result\": ", stdout);
		json_str(r->result);
		fputs(", \"reason\": ", stdout);
		json_str(r->reason);
		fputs(", \"props\": [", stdout);
		for (size_t j = 0; j < r->nprops; j++) {
			fputs(j > 0 ? ", [" : "[", stdout);
			json_str(r->props[j].ptype);
			fputs(", ", stdout);
			json_str(r->props[j].property);
			fputs(", ", stdout);
			json_str(r->props[j].value);
			putchar(']');
		}
		fputs("]}", stdout);
	}
	fputs("], \"format\": ", stdout);
	json_str(aa_authres_format(ctx, p));
	fputs("}\n", stdout);
}

int main(void)
{
	char line[512];
	struct aa_ctx *ctx = aa_ctx_new(NULL, NULL);

	if (ctx == NULL)
		return 2;
	while (fgets(line, sizeof(line), stdin) != NULL) {
		char op[400], *buf;
		size_t len, off = 0;

		if (sscanf(line, "%399s %zu", op, &len) != 2 || len > 1 << 20)
			return 2;
		if ((buf = malloc(len + 1)) == NULL || fread(buf, 1, len, stdin) != len || getchar() != '\n') {
			free(buf);
			return 2;
		}
		if (strncmp(op, "ours:", 5) == 0) {
			printf("{\"ours\": %d}\n", aa_authres_is_ours(buf, len, op + 5));
		} else {
			struct aa_authres_parsed *p;
			const char *err;
			int rc;

			if (!aa_authres_field_value(buf, len, &off))
				off = 0;
			rc = aa_authres_parse(ctx, buf + off, len - off,
					      strcmp(op, "lenient") == 0 ? AA_AUTHRES_LENIENT : AA_AUTHRES_STRICT,
					      &p, &err);
			if (rc == 1) {
				print_parsed(ctx, p);
			} else {
				fputs("{\"valid\": false, \"error\": ", stdout);
				json_str(rc < 0 ? "out of memory" : err);
				fputs("}\n", stdout);
			}
		}
		free(buf);
		fflush(stdout);
		aa_ctx_end_message(ctx);
	}
	aa_ctx_free(&ctx);
	return 0;
}
