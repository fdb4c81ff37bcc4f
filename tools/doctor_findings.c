/* doctor_findings.c - what every part of `authalign doctor` reports
 * with: a finding added to the group being read (the whole run's counts
 * kept), a line formatted without overrunning its buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "doctor.h"

void doctor_add(struct doctor *d, enum severity sev, const char *where, const char *code, const char *fix,
		const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	if (strcmp(fix, DOCTOR_FIX_AGAIN) == 0)
		d->undecided++;
	if (sev == SEV_BOUNCE)
		d->bounces++;
	else if (sev == SEV_WARNING)
		d->warnings++;
	if (d->n >= DOCTOR_FINDINGS_MAX) {
		d->lost++;
		return;
	}
	f = &d->f[d->n++];
	f->sev = sev;
	snprintf(f->where, sizeof(f->where), "%s", where);
	snprintf(f->code, sizeof(f->code), "%s", code != NULL ? code : "");
	snprintf(f->fix, sizeof(f->fix), "%s", fix);
	va_start(ap, fmt);
	vsnprintf(f->what, sizeof(f->what), fmt, ap);
	va_end(ap);
}

void doctor_fmt(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

const char *doctor_at(char *buf, size_t size, const char *path, unsigned line)
{
	if (line > 0)
		snprintf(buf, size, "%s:%u", path, line);
	else
		snprintf(buf, size, "%s", path);
	return buf;
}

/* text as a TXT record's quoted strings of at most 250 octets each, as
 * zone files and DNS panels take a long record: "..." "...". 0, or -1
 * when it does not fit in size or holds a quote or backslash (out is then
 * not to be printed). */
int doctor_quoted_chunks(const char *text, char *out, size_t size)
{
	size_t o = 0, n = strlen(text), done = 0;

	if (size > 0)
		out[0] = '\0';
	if (n == 0 || strpbrk(text, "\"\\") != NULL)
		return -1;
	for (size_t i = 0; i < n; i += 250) {
		size_t take = n - i < 250 ? n - i : 250;

		if (o + take + 4 >= size)
			return -1;
		o += (size_t)snprintf(out + o, size - o, "%s\"%.*s\"", i > 0 ? " " : "", (int)take, text + i);
		done += take;
	}
	return done == n ? 0 : -1;
}
