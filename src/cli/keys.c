/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * keys.c - `privd keys status|new|rotate`: the master keys of a data directory.
 *
 * Each runs beside a serving privd (on SQLite the same files, on PostgreSQL any node): the rotation coordinates
 * with running servers through the keystore, so nothing is stopped or signalled. What an operator must do by hand
 * is said on stdout: where the new key is, that it goes to every other node first, that its copy goes apart.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/time.h"
#include "service/service.h"

/* Opens the service of f's data directory for a one-shot command. */
static int open_service(const struct flags *f, struct privd_config *cfg, struct privd_service **svc)
{
	struct privd_err err = {0};
	enum privd_rc rc;

	if (cli_load_config(f, cfg, 0) != 0)
		return 2;
	cfg->background = false;
	rc = privd_service_open(cfg, svc, &err);
	if (rc != PRIVD_OK) {
		cli_print_err("cannot open", rc, &err);
		return 1;
	}
	return 0;
}

static void status_line(void *arg, const struct privd_master_key_info *k)
{
	char created[PRIVD_TIME_LEN] = "-", retired[PRIVD_TIME_LEN] = "-";

	(void)arg;
	if (k->created_at != 0)
		privd_time_format(k->created_at, created);
	if (k->retired_at != 0)
		privd_time_format(k->retired_at, retired);
	printf("%-16s  %-8s  %10lld  %-4s  %-24s  %s\n", k->kid, k->state, (long long)k->keys, k->here ? "yes" : "no",
	       created, retired);
}

static int keys_status(struct privd_service *svc)
{
	struct privd_err err = {0};
	enum privd_rc rc;

	printf("%-16s  %-8s  %10s  %-4s  %-24s  %s\n", "KID", "STATE", "KEYS", "HERE", "CREATED", "RETIRED");
	rc = privd_service_keys_status(svc, status_line, NULL, &err);
	if (rc != PRIVD_OK) {
		cli_print_err("keys status", rc, &err);
		return 1;
	}
	return 0;
}

static int keys_new(struct privd_service *svc, const struct privd_config *cfg)
{
	char kid[PRIVD_KID_HEX];
	struct privd_err err = {0};
	enum privd_rc rc = privd_service_keys_new(svc, kid, &err);

	if (rc != PRIVD_OK) {
		cli_print_err("keys new", rc, &err);
		return 1;
	}
	printf("master key %s staged: %s/master.key.%s (mode 0600)\n", kid, cfg->data_dir, kid);
	printf("copy it into the data directory of every other node (keep mode 0600), then run privd keys rotate\n");
	return 0;
}

/* The --batch value: keys wrapped again per write job. */
static int batch_of(const struct flags *f, size_t *out)
{
	char *end = NULL;
	long n;

	*out = 500;
	if (f->batch == NULL)
		return 0;
	errno = 0;
	n = strtol(f->batch, &end, 10);
	if (f->batch[0] < '0' || f->batch[0] > '9' || *end != '\0' || errno != 0 || n < 1 || n > 100000) {
		fprintf(stderr, "privd: bad --batch %s: a number of keys from 1 to 100000\n", f->batch);
		return -1;
	}
	*out = (size_t)n;
	return 0;
}

static int keys_rotate(struct privd_service *svc, const struct privd_config *cfg, size_t batch)
{
	struct privd_principal cli;
	struct privd_rotation r;
	struct privd_err err = {0};
	enum privd_rc rc;

	privd_principal_cli(&cli);
	rc = privd_service_keys_rotate(svc, &cli, batch, &r, &err);
	if (rc != PRIVD_OK) {
		cli_print_err("keys rotate", rc, &err);
		return 1;
	}
	if (r.resumed)
		printf("an interrupted rotation was finished\n");
	for (size_t i = 0; i < r.nfrom; i++)
		printf("master key %s retired; its file here destroyed (other nodes destroy theirs within a second)\n",
		       r.from[i]);
	printf("current master key: %s (%s/master.key.%s%s)\n", r.to, cfg->data_dir, r.to,
	       r.staged ? ", the staged one" : "");
	printf("keys wrapped again: %lld\n", (long long)r.rewrapped);
	printf("back up the new master key now, apart from the data and the backups (docs/operations.md)\n");
	return 0;
}

int cli_keys(int argc, char **argv)
{
	const char *sub = argc > 0 ? argv[0] : "";
	struct privd_config cfg;
	struct privd_service *svc = NULL;
	struct flags f = {0};
	size_t batch = 0;
	int status;

	if (strcmp(sub, "status") != 0 && strcmp(sub, "new") != 0 && strcmp(sub, "rotate") != 0) {
		fprintf(stderr, "privd: keys needs status, new or rotate\n");
		return 2;
	}
	if (cli_parse_flags(argc - 1, argv + 1, &f) != 0 || batch_of(&f, &batch) != 0)
		return 2;
	status = open_service(&f, &cfg, &svc);
	if (status != 0)
		return status;
	if (strcmp(sub, "status") == 0)
		status = keys_status(svc);
	else if (strcmp(sub, "new") == 0)
		status = keys_new(svc, &cfg);
	else
		status = keys_rotate(svc, &cfg, batch);
	privd_service_close(svc);
	return status;
}
