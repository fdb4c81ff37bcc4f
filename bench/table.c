/* table.c - time to read a per-domain table of 1,000 to 100,000 entries
 * (core/lib/table.c), and to open it again unchanged (shared, not read).
 *
 *   make bench-table
 *
 * Prints one line per size: entries, milliseconds to read, nanoseconds
 * per entry, milliseconds to open it again. Linear reading keeps the ns
 * per entry flat as the table grows. Not part of make check: timing is
 * not a test. Exits 1 when a load fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "aa_config.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int write_table(const char *path, size_t n)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "d%zu.example: mode=%s\n", i, i % 2 ? "monitor" : "enforce");
	return fclose(f);
}

int main(void)
{
	static const size_t sizes[] = { 1000, 10000, 100000 };
	char dir[] = "/tmp/aa-bench-table-XXXXXX", path[64], err[256];
	struct aa_config *a = NULL, *b = NULL;
	int rc = 0;

	if (mkdtemp(dir) == NULL || aa_config_load(NULL, &a, err, sizeof(err)) < 0 ||
	    aa_config_load(NULL, &b, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench-table: setup failed\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/domains", dir);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]) && rc == 0; s++) {
		double t0, t1, t2;

		if (write_table(path, sizes[s]) < 0) {
			rc = 1;
			break;
		}
		t0 = now_ms();
		rc = aa_config_load_domains(a, path, err, sizeof(err));
		t1 = now_ms();
		if (rc == 0)
			rc = aa_config_load_domains(b, path, err, sizeof(err));
		t2 = now_ms();
		if (rc < 0) {
			fprintf(stderr, "bench-table: %s\n", err);
			rc = 1;
			break;
		}
		printf("entries=%zu read_ms=%.2f ns_per_entry=%.0f reopen_ms=%.3f\n", sizes[s], t1 - t0,
		       (t1 - t0) * 1e6 / (double)sizes[s], t2 - t1);
	}
	aa_config_free(&a);
	aa_config_free(&b);
	unlink(path);
	rmdir(dir);
	return rc;
}
