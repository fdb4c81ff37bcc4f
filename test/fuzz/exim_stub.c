/* exim_stub.c - the few Exim functions and variables that the ${dlfunc}
 * lookups (lookups/outbound.c) and the adapter layer (exim/) use, for
 * fuzz_plandata. Not a model of Exim: expansion knows only the variables
 * the lookups ask for, the header list is one From field, there are no
 * recipients, store is malloc'd and freed between inputs, logs go
 * nowhere, and time() is fixed so that a plan's t= can be fresh.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "local_scan.h"
#include "exim_stub.h"

uschar *message_id;
unsigned char *sender_address;
header_line *header_list;
BOOL smtp_input = TRUE;	/* a message from an SMTP session */
unsigned int debug_selector;	/* no debugging */
int recipients_count;
recipient_item *recipients_list;

struct stub_state stub;

/* Store handed out since the last stub_store_reset(). */
static void **store;
static size_t store_n, store_cap;

uschar *expand_string(uschar *s)
{
	const char *v = "";

	if (strcmp((const char *)s, "$local_scan_data") == 0)
		v = stub.local_scan_data;
	else if (strcmp((const char *)s, "$acl_m_authalign_config") == 0)
		v = stub.config_path;
	else if (strcmp((const char *)s, "$primary_hostname") == 0)
		v = "mx.test.example";
	return (uschar *)(v != NULL ? v : "");
}

void *store_get_3(int size, const void *proto, const char *func, int line)
{
	void *p;

	(void)proto;
	(void)func;
	(void)line;
	if (store_n == store_cap) {
		void **n = realloc(store, (store_cap * 2 + 16) * sizeof(*store));

		if (n == NULL)
			abort();
		store = n;
		store_cap = store_cap * 2 + 16;
	}
	p = malloc(size > 0 ? (size_t)size : 1);
	if (p == NULL)
		abort();
	store[store_n++] = p;
	return p;
}

void stub_set_from(const char *value)
{
	static header_line from;
	static char text[4200];
	int n = snprintf(text, sizeof(text), "From:%s\n", value);

	if (n < 0 || (size_t)n >= sizeof(text))
		n = (int)sizeof(text) - 1;	/* cut: the fuzz input is smaller */
	from = (header_line){ .next = NULL, .type = 'F', .slen = n, .text = (uschar *)text };
	header_list = &from;
}

int lss_match_domain(uschar *domain, uschar *list)
{
	(void)domain;
	(void)list;
	return FAIL;
}

void stub_store_reset(void)
{
	for (size_t i = 0; i < store_n; i++)
		free(store[i]);
	store_n = 0;
}

void log_write(unsigned int selector, int flags, const char *format, ...)
{
	(void)selector;
	(void)flags;
	(void)format;
}

void debug_printf(const char *format, ...)
{
	(void)format;
}

time_t time(time_t *t)
{
	if (t != NULL)
		*t = STUB_NOW;
	return STUB_NOW;
}
