/* scan_preload.c - Exim's local_scan() loaded by the daemon, not by each child.
 *
 * Debian's Exim finds the local_scan() of local_scan_path through a stub
 * of its own: the first call in a process dlopens that file and keeps the
 * function in a static. Left to itself, every process the daemon forks
 * does that for its first message, looking the name up among the eighty
 * objects Exim has loaded. The daemon's preload (authalign_preload) calls
 * the stub once instead, so every child inherits the loaded function.
 *
 * Only when local_scan_path is this very object (same device and inode):
 * another plug-in's local_scan() is never called outside a message. The
 * call reaches our local_scan(), which answers at once while preloading
 * (plugin_scan_preloading) and touches nothing of Exim's.
 */
#define _GNU_SOURCE	/* dladdr */
#include <dlfcn.h>
#include <sys/stat.h>
#include "local_scan.h"
#include "aa_exim.h"

static int preloading;

int plugin_scan_preloading(void)
{
	return preloading;
}

/* A function of this object, for dladdr(): static, so that no other
 * object's symbol of the same name stands in for it. */
static int this_object(void)
{
	return 0;
}

/* 1 when local_scan_path names the file this object was loaded from. */
static int path_is_this_object(void)
{
	uschar **path = dlsym(RTLD_DEFAULT, "local_scan_path");
	struct stat ours, theirs;
	Dl_info info;

	if (path == NULL || *path == NULL || **path == '\0' ||
	    dladdr((void *)this_object, &info) == 0 || info.dli_fname == NULL)
		return 0;
	return stat(info.dli_fname, &ours) == 0 && stat((const char *)*path, &theirs) == 0 &&
	       ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino;
}

void plugin_load_scan_in_daemon(void)
{
	int (*stub)(int, uschar **) = (int (*)(int, uschar **))dlsym(RTLD_DEFAULT, "local_scan");
	uschar *text = NULL;

	if (stub == NULL || !path_is_this_object())
		return;
	preloading = 1;
	(void)stub(-1, &text);
	preloading = 0;
}
