/* main.c - authalign(8): the core library from the command line.
 *
 * Options may come before or after the command (GNU getopt order); "--"
 * ends them. The commands, their arguments and exit status are in
 * help.c; each command is in commands.c (status and forget: feedback.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_config.h"
#include "aa_ctx.h"
#include "aa_version.h"
#include "json.h"
#include "tool.h"

#define OPTIONS_ALLOWED "-c CONFIG, -z ZONEFILE, --domain D (doctor), --json, -h/--help, --version"

enum { OPT_VERSION = 256, OPT_JSON, OPT_DOMAIN };

static const struct option long_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ NULL, 0, NULL, 0 },
};

static void log_stderr(void *arg, enum aa_log_level level, const char *line)
{
	(void)arg;
	fprintf(stderr, "authalign: %s%s\n", level >= AA_LOG_WARN ? "warning: " : "", line);
}

static int version(int json)
{
	struct json j;

	if (!json) {
		printf("authalign %s\n", AA_VERSION);
		return TOOL_EXIT_OK;
	}
	json_start(&j, stdout);
	json_str(&j, "command", "version");
	json_str(&j, "version", AA_VERSION);
	json_int(&j, "exit", TOOL_EXIT_OK);
	json_finish(&j);
	return TOOL_EXIT_OK;
}

/* Load the settings, start the core, run one command. */
static int run_with_core(const struct tool_out *o, const char *config, const char *zone, int argc, char **argv)
{
	struct aa_config *cfg = NULL;
	struct aa_ctx *ctx;
	const char *err = NULL;
	char errbuf[512];
	int rc;

	if (aa_config_load(config, &cfg, errbuf, sizeof(errbuf)) < 0)
		return tool_fail(o, TOOL_EXIT_USAGE, "%s", errbuf);
	if (zone != NULL)
		cfg->dns.zone_file = zone;
	ctx = aa_ctx_new(&cfg->dns, &err);
	if (ctx == NULL) {
		rc = tool_fail(o, TOOL_EXIT_USAGE, "cannot start: %s", err != NULL ? err : "?");
		aa_config_free(&cfg);
		return rc;
	}
	aa_ctx_set_log(ctx, log_stderr, NULL);
	ctx->psl_file = cfg->psl_file;
	rc = tool_run(o, ctx, cfg, argc, argv);
	aa_ctx_free(&ctx);
	aa_config_free(&cfg);
	return rc;
}

static int run(int argc, char **argv)
{
	const char *zone = NULL, *config = NULL, *domain = NULL;
	const struct tool_command *c;
	struct tool_out o = { NULL, 0 };
	int opt, help = 0, want_version = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":z:c:h", long_options, NULL)) != -1) {
		switch (opt) {
		case 'z': zone = optarg; break;
		case 'c': config = optarg; break;
		case 'h': help = 1; break;
		case OPT_VERSION: want_version = 1; break;
		case OPT_JSON: o.json = 1; break;
		case OPT_DOMAIN: domain = optarg; break;
		case ':':
			return tool_fail(&o, TOOL_EXIT_USAGE, "option %s needs a value (options: " OPTIONS_ALLOWED ")",
					 argv[optind - 1]);
		default:
			return tool_fail(&o, TOOL_EXIT_USAGE, "unknown option %s (options: " OPTIONS_ALLOWED ")",
					 optopt != 0 ? (char[]){ '-', (char)optopt, '\0' } : argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (want_version)
		return version(o.json);
	if (argc < 1) {
		if (help)
			return tool_help(NULL, o.json);
		if (!o.json)
			tool_usage(stderr);
		return tool_fail(&o, TOOL_EXIT_USAGE, "no command given (authalign --help)");
	}
	if (help)	/* COMMAND --help */
		return tool_help(argv[0], o.json);
	if ((c = tool_command_find(argv[0])) == NULL)
		return tool_unknown_command(argv[0], o.json);
	o.command = c->name;
	if (argc - 1 < c->min_args || argc - 1 > c->max_args)
		return tool_bad_usage(&o, c, argc - 1);
	if (strcmp(c->name, "help") == 0)
		return tool_help(argc > 1 ? argv[1] : NULL, o.json);
	if (strcmp(c->name, "explain") == 0)
		return tool_explain(&o, config, zone, argc - 1, argv + 1);
	if (domain != NULL && strcmp(c->name, "doctor") != 0)
		return tool_fail(&o, TOOL_EXIT_USAGE, "--domain is an option of doctor only");
	if (strcmp(c->name, "doctor") == 0)
		return tool_doctor(&o, config, zone, domain, argc - 1, argv + 1);
	if (strcmp(c->name, "check-config") == 0) {
		if (zone != NULL)
			fprintf(stderr, "authalign: warning: -z does not apply to check-config (it checks the DNS the "
				"settings use): give dns_zone_file in the settings to try a zone\n");
		return tool_check_config(&o, argv[1]);
	}
	if (c->dns == TOOL_SETTINGS_ONLY)
		return tool_feedback(&o, config, argc, argv);
	return run_with_core(&o, config, zone, argc, argv);
}

/* Output that did not reach its file (a full disk, a closed pipe) is an
 * error, never the answer's status with the answer missing. */
int main(int argc, char **argv)
{
	int rc = run(argc, argv);

	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "authalign: cannot write the output: %s\n", strerror(errno));
		return TOOL_EXIT_USAGE;
	}
	return rc;
}
