/* outbound.c - ${dlfunc} lookups for routers and transports of outgoing mail.
 *
 * ${dlfunc{authalign.so}{authalign_route}{$domain}}
 *     manualroute route_data: the smarthost's hosts ("h1::587:h2::587") when
 *     the plan says smarthost, else "" (the router declines, the next one,
 *     usually dnslookup, delivers directly)
 * ${dlfunc{authalign.so}{authalign_transport}{$domain}{DEFAULT}}
 *     the smarthost's transport name, else DEFAULT
 * ${dlfunc{authalign.so}{authalign_dkim}{domain|selector|key}{$domain}}
 *     smtp transport dkim_domain / dkim_selector / dkim_private_key when the
 *     plan signs with an aligned d= (the sign step, or a later step that
 *     kept our signature: rewrite or smarthost as predicted), else ""
 * ${dlfunc{authalign.so}{authalign_return_path}{$domain}{$return_path}}
 *     smtp transport return_path: the aligned envelope sender when the plan
 *     rewrites (the rewrite step, or a smarthost step that rewrites too),
 *     else the current one unchanged
 *
 * A DNS temporary failure fails the expansion (the address is deferred);
 * see authalign-dlfunc(3) for the three outcomes.
 */
#include <string.h>
#include "aa_plan.h"
#include "lookup.h"

AA_EXPORT int authalign_route(uschar **yield, int argc, uschar *argv[]);
AA_EXPORT int authalign_transport(uschar **yield, int argc, uschar *argv[]);
AA_EXPORT int authalign_dkim(uschar **yield, int argc, uschar *argv[]);
AA_EXPORT int authalign_return_path(uschar **yield, int argc, uschar *argv[]);

/* Start an outbound lookup: the plugin and the plan entry for domain (NULL
 * entry: deliver as Exim would). NULL plugin: return *status_r. */
static struct aa_plugin *outbound_start(uschar **yield, int argc, int want, const char *usage,
					const char *domain, const struct aa_plandata_entry **e_r,
					int *status_r)
{
	struct aa_plugin *pl = lookup_start(yield, argc, want, want, usage, status_r);
	const char *why = "";

	*e_r = NULL;
	if (pl == NULL)
		return NULL;
	switch (outplan_for(pl, domain, e_r, &why)) {
	case OUTPLAN_OK:
		return pl;
	case OUTPLAN_NONE:
		*e_r = NULL;
		return pl;
	case OUTPLAN_TEMP:
		*status_r = lookup_temperror(yield, why);
		return NULL;
	default:
		*yield = plugin_store_copy(why);
		*status_r = ERROR;
		return NULL;
	}
}

static int transport_name_shaped(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s != '\0'; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') && !(*s >= '0' && *s <= '9') &&
		    *s != '_' && *s != '-')
			return 0;
	return 1;
}

static const struct aa_route *planned_route(struct aa_plugin *pl, const struct aa_plandata_entry *e)
{
	if (e == NULL || e->step != AA_STEP_SMARTHOST || e->arg == NULL)
		return NULL;
	return aa_route_find(pl->cfg->outbound.routes, e->arg);
}

int authalign_route(uschar **yield, int argc, uschar *argv[])
{
	const struct aa_plandata_entry *e;
	const struct aa_route *r;
	const char *hosts;
	struct aa_plugin *pl;
	int status = OK;

	pl = outbound_start(yield, argc, 1, "authalign: usage: ${dlfunc{authalign.so}{authalign_route}{$domain}}",
			    argc == 1 ? (const char *)argv[0] : "", &e, &status);
	if (pl == NULL)
		return status;
	r = planned_route(pl, e);
	if (e != NULL && e->step == AA_STEP_SMARTHOST && r == NULL) {
		*yield = plugin_store_copy("authalign: the plan names a smarthost the routes file no longer has");
		return ERROR;
	}
	if (r == NULL)
		return lookup_answer(yield, "");
	hosts = aa_route_data(pl->ctx, r);
	return hosts != NULL ? lookup_answer_trusted(yield, hosts) : lookup_no_memory(yield);
}

int authalign_transport(uschar **yield, int argc, uschar *argv[])
{
	const struct aa_plandata_entry *e;
	const struct aa_route *r;
	struct aa_plugin *pl;
	int status = OK;

	pl = outbound_start(yield, argc, 2,
			    "authalign: usage: ${dlfunc{authalign.so}{authalign_transport}{$domain}{DEFAULT}}",
			    argc == 2 ? (const char *)argv[0] : "", &e, &status);
	if (pl == NULL)
		return status;
	r = planned_route(pl, e);
	if (r != NULL && r->transport != NULL)
		return lookup_answer_trusted(yield, r->transport);
	/* DEFAULT is the config's literal transport name; only that shape is
	 * handed back untainted (Exim then still requires the transport to exist) */
	if (!transport_name_shaped((const char *)argv[1])) {
		*yield = plugin_store_copy("authalign: the DEFAULT transport is not a transport name");
		return ERROR;
	}
	return lookup_answer_trusted(yield, (const char *)argv[1]);
}

int authalign_dkim(uschar **yield, int argc, uschar *argv[])
{
	const struct aa_plandata_entry *e;
	struct aa_out_policy pol;
	struct aa_plugin *pl;
	const char *field, *d;
	int status = OK;

	field = argc == 2 ? (const char *)argv[0] : "";
	if (argc == 2 && strcmp(field, "domain") != 0 && strcmp(field, "selector") != 0 &&
	    strcmp(field, "key") != 0) {
		*yield = plugin_store_copy("authalign: authalign_dkim wants domain, selector or key");
		return ERROR;
	}
	pl = outbound_start(yield, argc, 2,
			    "authalign: usage: ${dlfunc{authalign.so}{authalign_dkim}{domain|selector|key}{$domain}}",
			    argc == 2 ? (const char *)argv[1] : "", &e, &status);
	if (pl == NULL)
		return status;
	if ((d = aa_plandata_sign_domain(e)) == NULL)
		return lookup_answer(yield, "");
	aa_outbound_policy(&pl->cfg->outbound, d, &pol);
	if (pol.dkim_selector == NULL || pol.dkim_key_file == NULL)
		return lookup_answer(yield, "");	/* the key went away: send unsigned */
	if (strcmp(field, "domain") == 0)
		return lookup_answer(yield, d);
	return lookup_answer_trusted(yield, strcmp(field, "selector") == 0 ? pol.dkim_selector : pol.dkim_key_file);
}

int authalign_return_path(uschar **yield, int argc, uschar *argv[])
{
	const struct aa_plandata_entry *e;
	struct aa_plugin *pl;
	int status = OK;

	pl = outbound_start(yield, argc, 2,
			    "authalign: usage: ${dlfunc{authalign.so}{authalign_return_path}{$domain}{$return_path}}",
			    argc == 2 ? (const char *)argv[0] : "", &e, &status);
	if (pl == NULL)
		return status;
	if (aa_plandata_return_path(e) != NULL)
		return lookup_answer(yield, aa_plandata_return_path(e));
	return lookup_answer(yield, (const char *)argv[1]);
}
