/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * process.h - what the privd process does to itself at start so that its secrets stay in it.
 *
 * privd holds master keys and people's data keys in memory. A core dump writes that memory to a file anyone with
 * the disk may read later, and a process of the same user may read a dumpable process's memory through /proc or
 * ptrace. So every privd command first makes itself non-dumpable (prctl PR_SET_DUMPABLE 0: no core file, its
 * /proc/<pid> files owned by root, no ptrace by the same user) and sets its core size limit to 0.
 */
#ifndef PRIVD_SERVICE_PROCESS_H
#define PRIVD_SERVICE_PROCESS_H

#include "core/rc.h"

/* Makes the calling process non-dumpable and, where it may, its core size limit 0. Call first thing in main,
 * before any key is read. PRIVD_ERR_INTERNAL when the kernel refuses to make it non-dumpable (privd then refuses
 * to go on). */
enum privd_rc privd_process_harden(struct privd_err *err);

#endif
