/* fuzz_config.c - a settings file and the four tables it names, of any bytes, read as the Exim daemon reads them before it forks.
 *
 * Input: the settings text, then "\n%%\n" and the per-domain table, the
 * destination profiles, the routes and the owners file, in that order
 * (missing parts are empty files). The settings get, after the fuzzed
 * text, the lines that name the four tables. The files are written into
 * a directory made once under $TMPDIR. What must hold:
 * - aa_config_load() returns 0 with settings, or -1 with an error of one
 *   line that names a file;
 * - loading the same files again gives the same answer, and the settings
 *   read are current until a file changes.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "aa_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const part_names[] = { "settings", "domains", "profiles", "routes", "owners" };
#define PARTS (sizeof(part_names) / sizeof(part_names[0]))

static char dir[256];

static void write_part(const char *name, const char *bytes, size_t len, const char *tail)
{
	char path[320];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL || (len > 0 && fwrite(bytes, 1, len, f) != len) ||
	    (tail != NULL && fputs(tail, f) == EOF) || fclose(f) != 0)
		abort();
}

static int load(const char *path, struct aa_config **cfg, char *err, size_t errlen)
{
	err[0] = '\0';
	return aa_config_load(path, cfg, err, errlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *end = in + size;
	char path[320], err[512], err2[512], tail[1024];
	struct aa_config *cfg = NULL, *again = NULL;
	int rc, rc2;

	if (dir[0] == '\0') {
		const char *base = getenv("TMPDIR");

		snprintf(dir, sizeof(dir), "%s/aa-fuzz-config-XXXXXX", base != NULL && strlen(base) < 200 ? base : "/tmp");
		if (mkdtemp(dir) == NULL)
			abort();
	}
	snprintf(tail, sizeof(tail), "\ndomains_file = %s/domains\noutbound_profiles_file = %s/profiles\n"
		 "outbound_routes_file = %s/routes\noutbound_owners_file = %s/owners\n", dir, dir, dir, dir);
	for (size_t i = 0; i < PARTS; i++) {
		const char *sep = in < end ? memmem(in, (size_t)(end - in), "\n%%\n", 4) : NULL;
		const char *stop = sep != NULL ? sep : end;

		write_part(part_names[i], in, (size_t)(stop - in), i == 0 ? tail : NULL);
		in = sep != NULL ? sep + 4 : end;
	}
	snprintf(path, sizeof(path), "%s/settings", dir);
	rc = load(path, &cfg, err, sizeof(err));
	if (rc == 0 ? cfg == NULL : (rc != -1 || cfg != NULL || err[0] == '\0' || strchr(err, '\n') != NULL ||
				    strstr(err, dir) == NULL))
		__builtin_trap();
	if (rc == 0 && !aa_config_is_current(cfg))
		__builtin_trap();
	rc2 = load(path, &again, err2, sizeof(err2));
	if (rc2 != rc || (rc < 0 && strcmp(err, err2) != 0))
		__builtin_trap();
	aa_config_free(&again);
	aa_config_free(&cfg);
	return 0;
}
