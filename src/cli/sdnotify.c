/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sdnotify.c - telling systemd how privd is doing (Type=notify): READY once it listens, RELOADING and READY again
 * around a SIGHUP, STOPPING when it drains, and a STATUS line that `systemctl status privd` shows.
 *
 * libsystemd's sd_notify speaks the protocol (a datagram to $NOTIFY_SOCKET). A build without libsystemd
 * (HAVE_SYSTEMD unset: another init system, or a minimal container) compiles these calls to nothing; its unit
 * file must then say Type=exec.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli/cli.h"

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

void cli_notify(const char *fmt, ...)
{
#ifdef HAVE_SYSTEMD
	char state[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(state, sizeof(state), fmt, ap);
	va_end(ap);
	(void)sd_notify(0, state); /* outside systemd there is no one to tell: nothing to do about a failure */
#else
	(void)fmt;
#endif
}
