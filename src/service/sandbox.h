/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sandbox.h - what a serving privd gives up once it has started: files outside its own, root, and system calls.
 *
 * An attacker who finds a memory bug in privd's request handling gets privd's rights. So `privd serve`, once
 * started, keeps only what serving needs: Landlock (where the kernel has it) limits the filesystem to the data
 * directory, the log's directory and the SQLite temporary files in it (read and write), the configuration, the
 * shared data, the web files and the few system files libraries read (read only); started as root, it drops to
 * [server] user; and a seccomp allowlist (libseccomp) refuses every other system call with EPERM: no exec, no
 * ptrace, no mount, no module, no new privileges. [server] sandbox = false turns all of it off (for a measurement,
 * or a kernel that refuses it).
 */
#ifndef PRIVD_SERVICE_SANDBOX_H
#define PRIVD_SERVICE_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/rc.h"
#include "service/config.h"

struct privd_sandbox {
	bool on;   /* [server] sandbox */
	bool drop; /* started as root and [server] user exists: drop to uid, gid */
	uid_t uid;
	gid_t gid;
	int landlock_abi; /* the kernel's Landlock ABI; 0 when it has none */
};

/* Before any thread is made: looks [server] user up, and limits the filesystem of this thread and of every
 * thread it makes from now on (Landlock; logs whether the kernel has it). SQLite's temporary files are put in
 * the data directory. PRIVD_ERR_INTERNAL naming the step that failed. Nothing happens with sandbox off. */
enum privd_rc privd_sandbox_files(const struct privd_config *c, struct privd_sandbox *sb, struct privd_err *err);

/* After the server listens: drops root to [server] user when privd_sandbox_files found one, then installs the
 * system-call allowlist on every thread of the process. PRIVD_ERR_INTERNAL naming the step that failed. */
enum privd_rc privd_sandbox_calls(const struct privd_sandbox *sb, struct privd_err *err);

#endif
