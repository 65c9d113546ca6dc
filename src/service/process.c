/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * process.c - the process hardened at start (process.h says what and why). Linux-specific: prctl(2).
 */
#include "service/process.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

enum privd_rc privd_process_harden(struct privd_err *err)
{
	struct rlimit none = {0, 0};

	/* no core file of this process, whatever the core pattern, and no reading of its memory by the same user */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot make the process non-dumpable: %s",
		                     strerror(errno));
	/* a second lock, for a kernel whose suid_dumpable would dump it all the same; a service manager may forbid
	 * setrlimit (systemd's ~@resources) and set LimitCORE=0 itself, so this one is best effort */
	(void)setrlimit(RLIMIT_CORE, &none);
	return PRIVD_OK;
}
