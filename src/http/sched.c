/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sched.c - how the HTTP workers share their cores (server.c's head comment says why): the yield of
 * [server] yield_us as a worker finishes a request, and the time slice of [server] slice_us they run with.
 */
#include "http_int.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/log.h"

bool privd_http_yield_due(uint64_t now, uint64_t *last, uint64_t every_ns)
{
	if (every_ns == 0 || now - *last < every_ns)
		return false;
	*last = now;
	return true;
}

/* A thread's scheduling attributes as sched_setattr(2) takes them (the first version of the kernel's struct; glibc
 * wraps the call only from 2.41). */
struct thread_sched_attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};

#define SCHED_RESET_ON_FORK_FLAG 0x01u

/* Sets the calling thread's time slice to slice_ns, its policy and nice value kept, and puts the one it had in
 * *was (0: left as it was). A kernel before 6.12 accepts it and goes on using its own slice. Threads created
 * afterwards inherit it. Returns 0 or an errno (before the sandbox, which does not allow the calls). */
static int thread_slice(uint64_t slice_ns, uint64_t *was)
{
	*was = 0;
#if defined(SYS_sched_getattr) && defined(SYS_sched_setattr)
	struct thread_sched_attr a;

	memset(&a, 0, sizeof(a));
	if (syscall(SYS_sched_getattr, 0, &a, (unsigned)sizeof(a), 0u) != 0)
		return errno;
	if (a.policy != SCHED_OTHER && a.policy != SCHED_BATCH)
		return 0; /* a real-time policy set from outside: left alone */
	*was = a.runtime;
	a.size = sizeof(a);
	a.flags &= SCHED_RESET_ON_FORK_FLAG;
	a.runtime = slice_ns;
	if (syscall(SYS_sched_setattr, 0, &a, 0u) == 0)
		return 0;
	*was = 0;
	return errno;
#else
	(void)slice_ns;
	return ENOSYS;
#endif
}

uint64_t privd_http_workers_slice(unsigned slice_us)
{
	uint64_t was = 0;
	int e;

	if (slice_us > 0 && (e = thread_slice((uint64_t)slice_us * 1000u, &was)) != 0)
		privd_log(PRIVD_LOG_WARN, "http.slice_unavailable", "\"errno\":%d", e);
	return was;
}

void privd_http_workers_slice_end(uint64_t was)
{
	uint64_t ignored;

	if (was != 0)
		thread_slice(was, &ignored);
}
