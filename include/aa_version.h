/* aa_version.h - the release of authalign, one place for the tool, the
 * plugin's log and the documentation to name it. */
#ifndef AA_VERSION_H
#define AA_VERSION_H

#define AA_VERSION "0.2.0"

#endif
