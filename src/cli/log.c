/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * log.c - where privd's log lines go: standard error (the journal, under systemd), or a file ([log] file).
 *
 * Every thread logs, and a log line must never be torn or lost while the destination changes, so a line is written
 * whole with one write(2) to file descriptor 2, and a new file is put in its place with dup2(2), which swaps the
 * descriptor atomically: a line goes either to the old file or to the new one. The original standard error is kept
 * (dup) so that emptying [log] file and sending SIGHUP returns the log to it. Only the signal thread opens and
 * swaps; the sink is called from anywhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/log.h"
#include "core/time.h"

#define LINE_MAX_BYTES 4096

static int original_stderr = -1;
static char current[1024]; /* the file in use; "" for the original standard error */

/* One line with a UTC timestamp spliced in as the first member, written at once. */
static void sink(enum privd_log_level level, const char *line)
{
	char buf[LINE_MAX_BYTES], when[PRIVD_TIME_LEN];
	struct timespec ts;
	size_t len, off = 0;
	int n;

	(void)level;
	clock_gettime(CLOCK_REALTIME, &ts);
	privd_time_format((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, when);
	/* line starts with '{' */
	n = snprintf(buf, sizeof(buf), "{\"ts\":\"%s\",%s\n", when, line + 1);
	if (n < 0)
		return;
	len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	while (off < len) {
		ssize_t w = write(STDERR_FILENO, buf + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere left to say so */
		off += (size_t)w;
	}
}

void cli_log_init(void)
{
	privd_log_set_sink(sink);
}

/* Opens path and puts it in place of standard error. */
static enum privd_rc swap_in(const char *path, struct privd_err *err)
{
	int fd;

	if (original_stderr < 0) {
		original_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		if (original_stderr < 0)
			return privd_err_set(err, PRIVD_ERR_IO, "cannot keep standard error: %s", strerror(errno));
	}
	if (path[0] == '\0')
		fd = original_stderr;
	else
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return privd_err_set(err, PRIVD_ERR_IO, "cannot open the log file %s: %s", path, strerror(errno));
	if (dup2(fd, STDERR_FILENO) < 0) {
		int e = errno;

		if (fd != original_stderr)
			close(fd);
		return privd_err_set(err, PRIVD_ERR_IO, "cannot write the log to %s: %s", path, strerror(e));
	}
	if (fd != original_stderr)
		close(fd);
	return PRIVD_OK;
}

enum privd_rc cli_log_open(const char *path, struct privd_err *err)
{
	enum privd_rc rc;

	if (strlen(path) >= sizeof(current))
		return privd_err_set(err, PRIVD_ERR_INVALID, "the log file's path is too long");
	if (path[0] == '\0' && current[0] == '\0')
		return PRIVD_OK;
	rc = swap_in(path, err);
	if (rc == PRIVD_OK)
		snprintf(current, sizeof(current), "%s", path);
	return rc;
}

enum privd_rc cli_log_reopen(struct privd_err *err)
{
	return current[0] != '\0' ? swap_in(current, err) : PRIVD_OK;
}
