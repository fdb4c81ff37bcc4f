/* result.c - names and combination of aa_result values. */
#include <string.h>
#include "aa_result.h"

static const char *const result_names[] = {
	[AA_NONE] = "none",
	[AA_PASS] = "pass",
	[AA_FAIL] = "fail",
	[AA_SOFTFAIL] = "softfail",
	[AA_NEUTRAL] = "neutral",
	[AA_TEMPERROR] = "temperror",
	[AA_PERMERROR] = "permerror",
	[AA_POLICY] = "policy",
};

const char *aa_result_name(enum aa_result r)
{
	if ((unsigned)r >= sizeof(result_names) / sizeof(result_names[0]))
		return "temperror";
	return result_names[r];
}

int aa_result_parse(const char *word, enum aa_result *r)
{
	for (unsigned i = 0; i < sizeof(result_names) / sizeof(result_names[0]); i++) {
		if (strcmp(word, result_names[i]) == 0) {
			*r = (enum aa_result)i;
			return 0;
		}
	}
	return -1;
}

enum aa_result aa_result_combine(enum aa_result a, enum aa_result b)
{
	if (a == AA_PASS || b == AA_PASS)
		return AA_PASS;
	if (a == AA_TEMPERROR || b == AA_TEMPERROR)
		return AA_TEMPERROR;
	return a != AA_NONE ? a : b;
}
