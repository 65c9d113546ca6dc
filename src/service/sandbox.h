/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sandbox.h - what a serving privd gives up once it has started: files outside its own, root, and system calls.
 *
 * An attacker who finds a memory bug in privd's request handling gets privd's rights. So `privd serve`, once
 * started, keeps only what serving needs: Landlock (where the kernel has it) limits the filesystem to the data
 * directory, the log's directory and the SQLite temporary files in it (read and write), the configuration, the
 * shared data, the web files and the few system files libraries read (read only); started as root, it drops to
 * [server] user; and a seccomp allowlist (libseccomp) refuses every other system call with EPERM: no exec, no
 * ptrace, no mount, no module, no new privileges. [server] sandbox = on is all of it; log reports instead of
 * refusing (seccomp logs the calls outside the list through the kernel's audit and lets them through; Landlock,
 * which has no such mode, is not entered), for an operator to try a new system before turning it on; off is none
 * of it (for a measurement, or a kernel that refuses it).
 */
#ifndef PRIVD_SERVICE_SANDBOX_H
#define PRIVD_SERVICE_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/rc.h"
#include "service/config.h"

/* [server] sandbox */
enum privd_sandbox_mode { PRIVD_SANDBOX_OFF, PRIVD_SANDBOX_LOG, PRIVD_SANDBOX_ON };

struct privd_sandbox {
	enum privd_sandbox_mode mode;
	bool drop; /* started as root and [server] user exists: drop to uid, gid */
	uid_t uid;
	gid_t gid;
	int landlock_abi; /* the kernel's Landlock ABI; 0 when it has none */
};

/* The mode named by a [server] sandbox value: "on", "log", anything else off. */
enum privd_sandbox_mode privd_sandbox_mode_of(const char *name);

/* Whether a privd started as root would stay root: the sandbox is not off and [server] user names no user of
 * this system. For check-config; serve logs it. */
bool privd_sandbox_user_missing(const struct privd_config *c);

/* Before any thread is made: looks [server] user up, and limits the filesystem of this thread and of every
 * thread it makes from now on (Landlock; logs whether the kernel has it). SQLite's temporary files are put in
 * the data directory. In log mode only no_new_privs is set (and the user looked up). PRIVD_ERR_INTERNAL naming
 * the step that failed. Nothing happens with sandbox off. */
enum privd_rc privd_sandbox_files(const struct privd_config *c, struct privd_sandbox *sb, struct privd_err *err);

/* After the server listens: drops root to [server] user when privd_sandbox_files found one, then installs the
 * system-call allowlist on every thread of the process: calls outside it get EPERM (on) or are logged (log);
 * clone3, and in mode on the calls libseccomp does not know, get ENOSYS so that glibc falls back
 * (docs/security.md).
 * PRIVD_ERR_INTERNAL naming the step that failed. */
enum privd_rc privd_sandbox_calls(const struct privd_sandbox *sb, struct privd_err *err);

#endif
