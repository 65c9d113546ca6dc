/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * cli.h - what the files of the `privd` command share: its flags, loading the configuration with them on top, the
 * commands that live in files of their own, the log's destination, and the service manager's notifications.
 */
#ifndef PRIVD_CLI_CLI_H
#define PRIVD_CLI_CLI_H

#include <stdio.h>

#include "core/rc.h"
#include "service/config.h"

struct flags {
	const char *data_dir;
	const char *config;
	const char *database;
	const char *listen;
	const char *server_country;
	const char *operator_name;
	const char *operator_address;
	const char *to;    /* backup */
	const char *from;  /* restore */
	const char *at;    /* restore: a data set's name */
	const char *keys;  /* restore: where master keys are */
	const char *batch; /* keys rotate */
};

/* Parses --name VALUE and --name=VALUE pairs into f. Prints why and returns -1 on an unknown or incomplete flag. */
int cli_parse_flags(int argc, char **argv, struct flags *f);

/* Prints "privd: WHAT: message" and the fields err names, to stderr. */
void cli_print_err(const char *what, enum privd_rc rc, const struct privd_err *err);

/* Reads the configuration (--config, or DIR/privd.conf; then the environment) with the flags on top, into cfg.
 * Faults go to faults; cfg is unchanged unless it returns PRIVD_OK. */
enum privd_rc cli_read_config(const struct flags *f, struct privd_config *cfg, struct privd_config_faults *faults);

/* cli_read_config for a command: --data-dir required unless optional_dir, every fault printed to stderr, the log
 * level set. Returns 0, or -1 when the command cannot go on. */
int cli_load_config(const struct flags *f, struct privd_config *cfg, int optional_dir);

/* Prints each fault as a line "PREFIX: <where>: <key> <reason>" to out. */
void cli_print_faults(FILE *out, const char *prefix, const struct privd_config_faults *faults);

/* The commands of serve.c and config_cmd.c; each returns the process's exit status. */
int cli_serve(const struct flags *f);
int cli_check_config(const struct flags *f);
int cli_dump_config(const struct flags *f);

/* The commands of keys.c (privd keys status|new|rotate) and backup.c (privd backup, privd restore), each given the
 * arguments after its name; each returns the exit status: 0 done, 1 failed, 2 misused. */
int cli_keys(int argc, char **argv);
int cli_backup(int argc, char **argv);
int cli_restore(int argc, char **argv);

/* ---- log.c: where the log lines go ---- */

/* Installs the sink: one JSON line with a timestamp per event, written whole to standard error. Call first. */
void cli_log_init(void);

/* Sends the log to path from now on (appended, created mode 0600), or back to the original standard error when
 * path is "". The file becomes standard error, so that a library's message lands there too. On failure the log
 * stays where it was and err says why. */
enum privd_rc cli_log_open(const char *path, struct privd_err *err);

/* Opens the current log file again (after logrotate moved it; SIGUSR1). A no-op for standard error. */
enum privd_rc cli_log_reopen(struct privd_err *err);

/* ---- sdnotify.c: the service manager ---- */

/* Tells systemd about the state (sd_notify: "READY=1", "RELOADING=1", "STOPPING=1", "STATUS=..."), printf-style.
 * Does nothing outside systemd (no NOTIFY_SOCKET) or in a build without libsystemd. Cannot fail. */
void cli_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
