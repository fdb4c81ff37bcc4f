/* dkim_int.h - what core/dkim.c and core/dkim_key.c share with each other only.
 *
 * Nothing here is exported from the plugin (-fvisibility=hidden); the
 * public interface is include/aa_dkim.h.
 */
#ifndef AA_DKIM_INT_H
#define AA_DKIM_INT_H

#include <stddef.h>

/* Put the key record text[0..len) into the library's buffer buf (buflen
 * bytes, NUL included) as libopendkim should parse it. Returns 0, or -1
 * with *reason_r when the record cannot be used (permerror). */
int aa_dkim_key_record(const char *text, size_t len, char *buf, size_t buflen,
		       const char **reason_r);

#endif
