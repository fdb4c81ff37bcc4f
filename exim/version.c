/* version.c - the ABI numbers Debian's dlopen patch checks before loading us. */
#include "local_scan.h"
#include "aa_exim.h"

AA_EXPORT unsigned local_scan_version_major(void);
AA_EXPORT unsigned local_scan_version_minor(void);

unsigned local_scan_version_major(void)
{
	return LOCAL_SCAN_ABI_VERSION_MAJOR;
}

unsigned local_scan_version_minor(void)
{
	return LOCAL_SCAN_ABI_VERSION_MINOR;
}
