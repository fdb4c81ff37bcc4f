/* check_spf_binding.c - after the daemon's rehearsal, a connection's
 * process binds no libspf2 function for SPF's common paths (the loader's
 * own account, LD_DEBUG=bindings, of the helper spf_bindings). */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT_MAX (4u << 20)	/* the loader's account is some kB; bounded */

/* The helper beside this test binary (both in BUILD/test). */
static void helper_path(char *path, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	ck_assert_int_gt(n, 0);
	self[n] = '\0';
	slash = strrchr(self, '/');
	ck_assert_ptr_nonnull(slash);
	*slash = '\0';
	ck_assert_int_lt(snprintf(path, size, "%s/spf_bindings", self), (int)size);
}

/* libspf2's bindings after the helper's mark, run in mode. */
static unsigned libspf2_bindings_after_mark(const char *mode)
{
	char path[PATH_MAX + 32];
	char *out = malloc(OUT_MAX + 1), *mark, *line;
	size_t len = 0;
	unsigned count = 0;
	int fds[2], status;
	pid_t pid;

	ck_assert_ptr_nonnull(out);
	helper_path(path, sizeof(path));
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		setenv("LD_DEBUG", "bindings", 1);
		unsetenv("LD_DEBUG_OUTPUT");
		execl(path, path, mode, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = read(fds[0], out + len, OUT_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (len += (size_t)n) == OUT_MAX)
			break;
	}
	close(fds[0]);
	out[len] = '\0';
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s %s: status %d", path, mode, status);
	mark = strstr(out, "=== checks\n");
	ck_assert_ptr_nonnull(mark);
	for (line = mark; (line = strstr(line, "binding file ")) != NULL; line++) {
		const char *end = strchr(line, '\n');
		const char *lib = strstr(line, "libspf2");

		if (lib != NULL && (end == NULL || lib < end) && lib < strstr(line, " to "))
			count++;
	}
	free(out);
	return count;
}

/* Without a rehearsal the helper's checks do bind libspf2 functions (so
 * the count can see them); after it, none. */
START_TEST(spf_binding_rehearsal_leaves_no_libspf2_lookup_to_a_connection)
{
	ck_assert_uint_gt(libspf2_bindings_after_mark("cold"), 0);
	ck_assert_uint_eq(libspf2_bindings_after_mark("rehearse"), 0);
}
END_TEST

Suite *suite_spf_binding(void)
{
	Suite *s = suite_create("spf_binding");
	TCase *tc = tcase_create("spf_binding");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, spf_binding_rehearsal_leaves_no_libspf2_lookup_to_a_connection);
	suite_add_tcase(s, tc);
	return s;
}
