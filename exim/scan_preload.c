/* scan_preload.c - Exim's local_scan() loaded by the daemon, not by each child.
 *
 * Debian's Exim finds the local_scan() of local_scan_path through a stub
 * of its own: the first call in a process dlopens that file and keeps the
 * function in a static. Left to itself, every process the daemon forks
 * does that for its first message, looking the name up among the eighty
 * objects Exim has loaded. The daemon's preload (authalign_preload) calls
 * the stub once instead, so every child inherits the loaded function.
 *
 * Only when local_scan_path is, as a string, the absolute name this very
 * object was loaded by (the ${dlfunc} of the preload): the stub's dlopen
 * then finds it by that name among the loaded objects and reads no file,
 * so another plug-in's local_scan(), or a file put in its place since, is
 * never called outside a message. The call reaches our local_scan(), which
 * answers at once while preloading (plugin_scan_preloading) and touches
 * nothing of Exim's. A crash in the stub (its error path after a refused
 * version) is caught here and logged: the daemon goes on, and each child
 * then meets the same error with its first message, as before.
 */
#define _GNU_SOURCE	/* dladdr */
#include <dlfcn.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include "local_scan.h"
#include "aa_exim.h"

static int preloading;
static sigjmp_buf crashed;

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

/* 1 when local_scan_path is the name this object was loaded by. */
static int path_is_this_object(void)
{
	uschar **path = dlsym(RTLD_DEFAULT, "local_scan_path");
	Dl_info info;

	if (path == NULL || *path == NULL || (*path)[0] != '/' ||
	    dladdr((void *)this_object, &info) == 0 || info.dli_fname == NULL)
		return 0;
	return strcmp((const char *)*path, info.dli_fname) == 0;
}

static void on_crash(int sig)
{
	siglongjmp(crashed, sig);
}

int plugin_load_scan_in_daemon(void)
{
	int (*stub)(int, uschar **) = (int (*)(int, uschar **))dlsym(RTLD_DEFAULT, "local_scan");
	struct sigaction catch = { .sa_handler = on_crash }, old_segv, old_bus;
	uschar *text = NULL;
	volatile int sig;

	if (stub == NULL || !path_is_this_object())
		return 0;
	sigemptyset(&catch.sa_mask);
	sigaction(SIGSEGV, &catch, &old_segv);
	sigaction(SIGBUS, &catch, &old_bus);
	preloading = 1;
	if ((sig = sigsetjmp(crashed, 1)) == 0)
		(void)stub(-1, &text);
	preloading = 0;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	if (sig != 0)
		log_write(0, LOG_MAIN | LOG_PANIC, "authalign: Exim's local_scan() loader crashed (signal %d) "
			  "when the daemon called it: see the line before; each connection loads it itself", sig);
	return sig == 0 ? 1 : -1;
}
