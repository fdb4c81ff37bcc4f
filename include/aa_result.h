/* aa_result.h - the one result vocabulary of authalign (RFC 8601 words).
 *
 * Every module reports through this enum; logs, Authentication-Results,
 * the command-line tool and the ${dlfunc} words are all derived from it.
 * Part of the toolkit (core/lib/): words and their order, no protocol.
 */
#ifndef AA_RESULT_H
#define AA_RESULT_H

enum aa_result {
	AA_NONE = 0,
	AA_PASS,
	AA_FAIL,
	AA_SOFTFAIL,
	AA_NEUTRAL,
	AA_TEMPERROR,
	AA_PERMERROR,
	AA_POLICY,
};

/* RFC 8601 result keyword ("pass", "temperror", ...). Never NULL. */
const char *aa_result_name(enum aa_result r);

/* Parse a keyword back; returns -1 when unknown. */
int aa_result_parse(const char *word, enum aa_result *r);

/* Combine two verdicts about the same question the way Postfix dns.h
 * does: a pass wins, otherwise a temporary error beats every negative. */
enum aa_result aa_result_combine(enum aa_result a, enum aa_result b);

#endif
