/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_sandbox.c - the sandbox of a serving privd, entered in a child process: what it still may do and what it
 * may not, in each mode. on: Landlock lets a file be made in the data directory and none in another directory;
 * the allowlist refuses exec, ptrace and getsid with EPERM, clone with a namespace flag with EPERM, and answers
 * clone3 with ENOSYS, so that a thread is still made (glibc falls back to clone); ordinary file and socket calls
 * work. log: the same filter is installed (Seccomp: 2 in /proc/self/status) but a call outside the list succeeds,
 * and Landlock is not entered. Where the kernel has no Landlock, that half is skipped and the allowlist checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "service/sandbox.h"

/* Whether /proc/self/status says a seccomp filter is installed ("Seccomp:\t2"). */
static bool filtered(void)
{
	char line[256];
	bool yes = false;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "Seccomp:", 8) == 0)
			yes = atoi(line + 8) == 2;
	fclose(f);
	return yes;
}

static void *thread_main(void *arg)
{
	return arg;
}

/* A thread made and joined: pthread_create tries clone3 first on glibc 2.34 and later. */
static bool thread_made(void)
{
	pthread_t t;
	void *got = NULL;
	int token = 7;

	return pthread_create(&t, NULL, thread_main, &token) == 0 && pthread_join(t, &got) == 0 && got == &token;
}

/* clone with CLONE_NEWUSER: refused (-1, EPERM) in mode on; a child that is made leaves at once. */
static long clone_newuser(void)
{
	long r = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL, 0UL);

	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	return r;
}

/* The files half: Landlock entered (mode on) or not (log). 0 when every expectation held, else a number. */
static int files(const char *inside, const char *outside, const char *mode, struct privd_sandbox *sb)
{
	struct privd_config *c = calloc(1, sizeof(*c));
	struct privd_err err = {0};
	char path[4200];
	int fd, rc = 0;

	if (c == NULL)
		return 90;
	privd_config_defaults(c);
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", inside);
	snprintf(c->sandbox, sizeof(c->sandbox), "%s", mode);
	c->user[0] = '\0';
	if (privd_sandbox_files(c, sb, &err) != PRIVD_OK)
		rc = 1;
	free(c);
	if (rc != 0)
		return rc;
	snprintf(path, sizeof(path), "%s/in.txt", inside);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 2;
	close(fd);
	snprintf(path, sizeof(path), "%s/out.txt", outside);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	if (sb->landlock_abi > 0 && (fd >= 0 || errno != EACCES))
		return 3;
	if (sb->mode == PRIVD_SANDBOX_LOG && (sb->landlock_abi != 0 || fd < 0))
		return 13; /* log mode enters no Landlock: the file outside is made */
	if (fd >= 0)
		close(fd);
	return 0;
}

/* In the child, mode on: 0 when every expectation held, else the number of the first that did not. */
static int child_on(const char *inside, const char *outside)
{
	struct privd_sandbox sb;
	struct privd_err err = {0};
	char *const argv[] = {"/bin/true", NULL};
	char path[4200];
	int fd, rc = files(inside, outside, "on", &sb);

	if (rc != 0)
		return rc;
	if (privd_sandbox_calls(&sb, &err) != PRIVD_OK)
		return 4;
	if (!filtered())
		return 14;
	if (execv("/bin/true", argv) == 0 || errno != EPERM)
		return 5;
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0 || errno != EPERM)
		return 6;
	if (getsid(0) != -1 || errno != EPERM)
		return 15;
	if (syscall(SYS_clone3, NULL, (size_t)0) != -1 || errno != ENOSYS)
		return 16;
	if (clone_newuser() != -1 || errno != EPERM)
		return 17;
	if (!thread_made())
		return 18;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 7;
	close(fd);
	snprintf(path, sizeof(path), "%s/in.txt", inside);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 8;
	close(fd);
	return 0;
}

/* In the child, mode log: the filter is there, yet a call outside the list goes through (and is logged). */
static int child_log(const char *inside, const char *outside)
{
	struct privd_sandbox sb;
	struct privd_err err = {0};
	int rc = files(inside, outside, "log", &sb);

	if (rc != 0)
		return rc;
	if (privd_sandbox_calls(&sb, &err) != PRIVD_OK)
		return 4;
	if (!filtered())
		return 14;
	errno = 0;
	if (getsid(0) == -1 || errno != 0)
		return 15; /* allowed through; 0 is a valid answer where the session began outside the PID namespace */
	if (syscall(SYS_clone3, NULL, (size_t)0) != -1 || errno != ENOSYS)
		return 16;
	if (!thread_made())
		return 18;
	return 0;
}

static void run(int (*child)(const char *, const char *))
{
	char inside[] = "/tmp/privd-sandbox-in-XXXXXX", outside[] = "/tmp/privd-sandbox-out-XXXXXX";
	char path[4200];
	int status = -1;
	pid_t pid;

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

static void test_sandbox_on(void **state)
{
	(void)state;
	run(child_on);
}

static void test_sandbox_log(void **state)
{
	(void)state;
	run(child_log);
}

static void test_sandbox_modes(void **state)
{
	(void)state;
	assert_int_equal(privd_sandbox_mode_of("on"), PRIVD_SANDBOX_ON);
	assert_int_equal(privd_sandbox_mode_of("log"), PRIVD_SANDBOX_LOG);
	assert_int_equal(privd_sandbox_mode_of("off"), PRIVD_SANDBOX_OFF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_sandbox_on), cmocka_unit_test(test_sandbox_log),
	                                   cmocka_unit_test(test_sandbox_modes)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
