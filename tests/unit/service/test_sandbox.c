/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_sandbox.c - the sandbox of a serving privd, entered in a child process: what it still may do and what it
 * may not. Landlock: a file is made in the data directory, none in another directory; the allowlist: exec and
 * ptrace are refused with EPERM, ordinary file and socket calls work. Where the kernel has no Landlock, that
 * half is skipped (the child says so) and the allowlist still checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "service/sandbox.h"

/* In the child: 0 when every expectation held, else the number of the first that did not. */
static int child(const char *inside, const char *outside)
{
	struct privd_config *c = calloc(1, sizeof(*c));
	struct privd_sandbox sb;
	struct privd_err err = {0};
	char path[4200];
	char *const argv[] = {"/bin/true", NULL};
	int fd;

	if (c == NULL)
		return 90;
	privd_config_defaults(c);
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", inside);
	c->sandbox = true;
	c->user[0] = '\0';
	if (privd_sandbox_files(c, &sb, &err) != PRIVD_OK)
		return 1;
	snprintf(path, sizeof(path), "%s/in.txt", inside);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 2;
	close(fd);
	snprintf(path, sizeof(path), "%s/out.txt", outside);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	if (sb.landlock_abi > 0 && (fd >= 0 || errno != EACCES))
		return 3;
	if (fd >= 0)
		close(fd);
	if (privd_sandbox_calls(&sb, &err) != PRIVD_OK)
		return 4;
	if (execv("/bin/true", argv) == 0 || errno != EPERM)
		return 5;
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0 || errno != EPERM)
		return 6;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 7;
	close(fd);
	snprintf(path, sizeof(path), "%s/in.txt", inside);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 8;
	close(fd);
	free(c);
	return 0;
}

static void test_sandbox(void **state)
{
	char inside[] = "/tmp/privd-sandbox-in-XXXXXX", outside[] = "/tmp/privd-sandbox-out-XXXXXX";
	char path[4200];
	int status = -1;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(inside));
	assert_non_null(mkdtemp(outside));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child(inside, outside));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	snprintf(path, sizeof(path), "%s/in.txt", inside);
	unlink(path);
	snprintf(path, sizeof(path), "%s/out.txt", outside);
	unlink(path);
	rmdir(inside);
	rmdir(outside);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_sandbox)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
