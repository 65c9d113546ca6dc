/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * backup.c - `privd backup` and `privd restore`.
 *
 * A backup runs beside a serving privd and takes its sets at one instant; a restore fills an empty data directory
 * (and database) and verifies what it restored before it says so. Both say what the operator must still do with
 * the one thing a backup never holds: the master key.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "service/service.h"

int cli_backup(int argc, char **argv)
{
	struct privd_config cfg;
	struct privd_service *svc = NULL;
	struct privd_principal cli;
	struct privd_backup_result r;
	struct privd_err err = {0};
	struct flags f = {0};
	const char *to;
	enum privd_rc rc;

	if (cli_parse_flags(argc, argv, &f) != 0 || cli_load_config(&f, &cfg, 0) != 0)
		return 2;
	to = f.to != NULL ? f.to : cfg.backup_dir;
	cfg.background = false;
	rc = privd_service_open(&cfg, &svc, &err);
	if (rc != PRIVD_OK) {
		cli_print_err("cannot open", rc, &err);
		return 1;
	}
	privd_principal_cli(&cli);
	rc = privd_service_backup(svc, &cli, to, &r, &err);
	privd_service_close(svc);
	if (rc != PRIVD_OK) {
		cli_print_err("backup", rc, &err);
		return 1;
	}
	printf("backup %s taken: %s/data/%s and %s/keystore/%s\n", r.stamp, to, r.stamp, to, r.stamp);
	printf("audit entries in the data set: %lld\n", (long long)r.audit_seq);
	for (size_t i = 0; i < r.nkids; i++)
		printf("master key needed to restore it: %s (not in the backup: keep its copy apart)\n", r.kids[i]);
	printf("aged out: %zu data sets (after %d days), %zu keystore sets (after %d days)\n", r.pruned_data,
	       cfg.backup_data_days, r.pruned_keystore, cfg.backup_keystore_days);
	return 0;
}

int cli_restore(int argc, char **argv)
{
	struct privd_config cfg;
	struct privd_restore_result r;
	struct privd_err err = {0};
	struct flags f = {0};
	enum privd_rc rc;

	if (cli_parse_flags(argc, argv, &f) != 0 || cli_load_config(&f, &cfg, 0) != 0)
		return 2;
	if (f.from == NULL) {
		fprintf(stderr, "privd: --from is required: the directory privd backup wrote to\n");
		return 2;
	}
	rc = privd_service_restore(&cfg, f.from, f.at, f.keys, &r, &err);
	if (rc != PRIVD_OK) {
		cli_print_err("restore", rc, &err);
		return 1;
	}
	printf("restored data set %s with keystore set %s into %s\n", r.data_stamp, r.keystore_stamp, cfg.data_dir);
	for (size_t i = 0; i < r.nkids; i++)
		printf("master key: %s\n", r.kids[i]);
	if (r.anchor_moved)
		printf("the audit anchor of the chain before the restore is kept as %s/audit.anchor.before-restore\n",
		       cfg.data_dir);
	printf("audit chain intact: %lld entries, head %s\n", (long long)r.audit_entries,
	       r.audit_head[0] ? r.audit_head : "-");
	return 0;
}
