/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sandbox_cost.c - what the seccomp filter of a serving privd costs one system call, for make bench-sandbox
 * (bench/sandbox.sh). It times, in CPU time of this thread, a million getppid calls and a million epoll_wait calls
 * on a bad descriptor (both allowed, both answered at once by the kernel), then enters the allowlist of mode on
 * (privd_sandbox_calls: no Landlock, no user to drop to) and times them again; five turns each, the fastest kept.
 * Prints "<call> <ns before> <ns after>" a line. The request-level figure is the bench's; this one says what part of
 * it is the price of a filtered system call, whatever the machine's load.
 */
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "service/sandbox.h"

#define CALLS 1000000
#define TURNS 5

static double cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* The fastest of TURNS runs of CALLS calls, in nanoseconds a call. */
static double cost(long nr)
{
	struct epoll_event ev;
	double best = 0;

	for (int turn = 0; turn < TURNS; turn++) {
		double start = cpu_ns(), ns;

		for (int i = 0; i < CALLS; i++) {
			if (nr == SYS_getppid)
				(void)syscall(SYS_getppid);
			else
				(void)epoll_wait(-1, &ev, 1, 0);
		}
		ns = (cpu_ns() - start) / CALLS;
		if (turn == 0 || ns < best)
			best = ns;
	}
	return best;
}

int main(void)
{
	struct privd_sandbox sb = {.mode = PRIVD_SANDBOX_ON};
	struct privd_err err = {0};
	double getppid_before = cost(SYS_getppid), epoll_before = cost(SYS_epoll_wait);

	if (privd_sandbox_calls(&sb, &err) != PRIVD_OK) {
		fprintf(stderr, "sandbox_cost: %s\n", err.msg);
		return 2;
	}
	printf("getppid %.1f %.1f\n", getppid_before, cost(SYS_getppid));
	printf("epoll_wait %.1f %.1f\n", epoll_before, cost(SYS_epoll_wait));
	return 0;
}
