/* run_suites.c - one Check runner for every suite the Makefile found.
 * The Makefile generates the suite list from the check_*.c file names. */
#include <check.h>
#include <stdlib.h>
#ifndef SUITES_HEADER
#define SUITES_HEADER "unit_suites.h"
#endif
#include SUITES_HEADER

int main(void)
{
	Suite *(*suites[])(void) = { UNIT_SUITES NULL };
	SRunner *sr = srunner_create(NULL);
	int failed;

	for (size_t i = 0; suites[i] != NULL; i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
