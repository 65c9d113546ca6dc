/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fsync_fault.c - an LD_PRELOAD shim for the storage-fault campaign (tests/torture/faults.mjs): while the file named
 * by PRIVD_FSYNC_FAULT exists, fsync and fdatasync fail with EIO without syncing anything, as they do when the
 * disk under them fails; otherwise they are the C library's. The switch is looked at on every call, so a test
 * turns the fault on and off with a touch and an rm while privd runs. Each failure is counted in the file itself
 * (one byte appended), so a test can tell that the fault was met.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static int faulty(void)
{
	const char *sw = getenv("PRIVD_FSYNC_FAULT");
	int fd;

	if (sw == NULL || sw[0] == '\0')
		return 0;
	fd = open(sw, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, "x", 1) != 1) {
		/* the count is a hint only */
	}
	close(fd);
	errno = EIO;
	return 1;
}

int fsync(int fd)
{
	static int (*real)(int);

	if (faulty())
		return -1;
	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	return real(fd);
}

int fdatasync(int fd)
{
	static int (*real)(int);

	if (faulty())
		return -1;
	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	return real(fd);
}
