/* result.c - names and combination of aa_result values. */
#include "aa_names.h"
#include "aa_result.h"

static const struct aa_name result_words[] = {
	{ "none", AA_NONE }, { "pass", AA_PASS }, { "fail", AA_FAIL },
	{ "softfail", AA_SOFTFAIL }, { "neutral", AA_NEUTRAL }, { "temperror", AA_TEMPERROR },
	{ "permerror", AA_PERMERROR }, { "policy", AA_POLICY },
};
static const struct aa_names result_names = {
	result_words, sizeof(result_words) / sizeof(result_words[0]),
};

const char *aa_result_name(enum aa_result r)
{
	return aa_names_name(&result_names, (int)r, "temperror");
}

int aa_result_parse(const char *word, enum aa_result *r)
{
	int value;

	if (aa_names_parse(&result_names, word, &value) < 0)
		return -1;
	*r = (enum aa_result)value;
	return 0;
}

enum aa_result aa_result_combine(enum aa_result a, enum aa_result b)
{
	if (a == AA_PASS || b == AA_PASS)
		return AA_PASS;
	if (a == AA_TEMPERROR || b == AA_TEMPERROR)
		return AA_TEMPERROR;
	return a != AA_NONE ? a : b;
}
