/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * main.c - the privd command: its flags and configuration, init, audit verify, calendar add-working-days, routes,
 * integrity, and the dispatch to serve (serve.c), check-config and dump-config (config_cmd.c), keys (keys.c), and
 * backup and restore (backup.c).
 *
 * The command line only parses flags and calls the service (and, for serve, the HTTP layer), so it cannot drift
 * from the API. Configuration precedence: flags over PRIVD_* environment variables over privd.conf (DIR/privd.conf,
 * or the file --config names).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "http/http.h"
#include "service/config.h"
#include "service/process.h"
#include "service/service.h"

static void usage(FILE *f)
{
	fprintf(f, "usage:\n"
	           "  privd init --data-dir DIR [--config FILE] [--database URL] [--server-country CC]\n"
	           "             [--operator-name NAME] [--operator-address ADDRESS] [--listen HOST:PORT]\n"
	           "  privd serve --data-dir DIR [--config FILE] [--listen HOST:PORT] [--database URL]\n"
	           "  privd check-config [--data-dir DIR] [--config FILE] [--listen HOST:PORT] [--database URL]\n"
	           "  privd dump-config [--data-dir DIR] [--config FILE] [--listen HOST:PORT] [--database URL]\n"
	           "  privd audit verify --data-dir DIR [--config FILE] [--database URL]\n"
	           "  privd keys status --data-dir DIR [--config FILE] [--database URL]\n"
	           "  privd keys new --data-dir DIR [--config FILE] [--database URL]\n"
	           "  privd keys rotate --data-dir DIR [--config FILE] [--database URL] [--batch N]\n"
	           "  privd backup --data-dir DIR [--config FILE] [--to BACKUP_DIR] [--database URL]\n"
	           "  privd restore --from BACKUP_DIR --data-dir DIR [--config FILE] [--at SET] [--keys KEY_DIR]\n"
	           "                [--database URL]\n"
	           "  privd calendar add-working-days DATE N [--data-dir DIR] [--config FILE]\n"
	           "  privd routes\n"
	           "  privd integrity [--data-dir DIR] [--config FILE]\n"
	           "  privd version\n"
	           "The configuration is DIR/privd.conf, or FILE with --config, then PRIVD_* environment variables,\n"
	           "then the flags. URL is \"sqlite\" (the default: files in DIR) or a postgresql:// connection URI.\n"
	           "serve reads its configuration again on SIGHUP and reopens its log file on SIGUSR1.\n"
	           "check-config exits 0 when the configuration is usable and 1 naming every fault.\n"
	           "dump-config prints the configuration in effect, secrets redacted.\n"
	           "integrity prints the Subresource Integrity hash of consent.js in [web] dir (of DIR's\n"
	           "configuration, or the shipped one), for the integrity attribute of a site's script tag.\n"
	           "add-working-days prints the N-th working day after DATE (YYYY-MM-DD) on the production\n"
	           "calendar of DIR's configuration, or on the shipped one without --data-dir.\n");
}

int cli_parse_flags(int argc, char **argv, struct flags *f)
{
	static const struct {
		const char *name;
		size_t off;
	} known[] = {
	    {"data-dir", offsetof(struct flags, data_dir)},
	    {"config", offsetof(struct flags, config)},
	    {"database", offsetof(struct flags, database)},
	    {"listen", offsetof(struct flags, listen)},
	    {"server-country", offsetof(struct flags, server_country)},
	    {"operator-name", offsetof(struct flags, operator_name)},
	    {"operator-address", offsetof(struct flags, operator_address)},
	    {"to", offsetof(struct flags, to)},
	    {"from", offsetof(struct flags, from)},
	    {"at", offsetof(struct flags, at)},
	    {"keys", offsetof(struct flags, keys)},
	    {"batch", offsetof(struct flags, batch)},
	};

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		size_t k, nlen;

		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "privd: unexpected argument %s\n", a);
			return -1;
		}
		a += 2;
		nlen = strcspn(a, "=");
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strlen(known[k].name) == nlen && strncmp(known[k].name, a, nlen) == 0)
				break;
		if (k == sizeof(known) / sizeof(known[0])) {
			fprintf(stderr, "privd: unknown flag --%.*s\n", (int)nlen, a);
			return -1;
		}
		if (a[nlen] == '=')
			val = a + nlen + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			fprintf(stderr, "privd: --%s needs a value\n", known[k].name);
			return -1;
		}
		*(const char **)((char *)f + known[k].off) = val;
	}
	return 0;
}

void cli_print_err(const char *what, enum privd_rc rc, const struct privd_err *err)
{
	fprintf(stderr, "privd: %s: %s\n", what, err->msg[0] ? err->msg : privd_rc_str(rc));
	for (size_t i = 0; i < err->nfields; i++)
		fprintf(stderr, "  %s: %s\n", err->fields[i].field, err->fields[i].reason);
}

void cli_print_faults(FILE *out, const char *prefix, const struct privd_config_faults *faults)
{
	char line[sizeof(faults->file) + 512];

	for (size_t i = 0; i < faults->n && i < PRIVD_CONFIG_FAULTS_MAX; i++) {
		privd_config_fault_format(faults, &faults->items[i], line, sizeof(line));
		fprintf(out, "%s: %s\n", prefix, line);
	}
	if (faults->n > PRIVD_CONFIG_FAULTS_MAX)
		fprintf(out, "%s: and %zu faults more\n", prefix, faults->n - PRIVD_CONFIG_FAULTS_MAX);
}

enum privd_rc cli_read_config(const struct flags *f, struct privd_config *cfg, struct privd_config_faults *faults)
{
	enum privd_rc rc = privd_config_read(cfg, f->data_dir, f->config, faults);

	if (rc != PRIVD_OK)
		return rc;
	if (f->database != NULL)
		snprintf(cfg->database_url, sizeof(cfg->database_url), "%s", f->database);
	if (f->listen != NULL)
		snprintf(cfg->listen, sizeof(cfg->listen), "%s", f->listen);
	return PRIVD_OK;
}

int cli_load_config(const struct flags *f, struct privd_config *cfg, int optional_dir)
{
	struct privd_config_faults *faults = NULL;
	int ret = -1;

	if (f->data_dir == NULL && !optional_dir) {
		fprintf(stderr, "privd: --data-dir is required\n");
		goto out;
	}
	faults = malloc(sizeof(*faults));
	if (faults == NULL) {
		fprintf(stderr, "privd: out of memory\n");
		goto out;
	}
	if (cli_read_config(f, cfg, faults) != PRIVD_OK) {
		cli_print_faults(stderr, "privd: configuration", faults);
		goto out;
	}
	privd_log_set_level(privd_log_level_parse(cfg->log_level));
	ret = 0;
out:
	free(faults);
	return ret;
}

static int cmd_init(const struct flags *f)
{
	struct privd_config cfg;
	struct privd_err err = {0};
	char key[128], path[sizeof(cfg.config_file) + 16];
	const char *why = NULL;
	enum privd_rc rc;

	if (f->data_dir == NULL) {
		fprintf(stderr, "privd: --data-dir is required\n");
		return 2;
	}
	/* the environment counts at init as it does for serve: the documents init installs are filled in from it */
	rc = privd_config_load(&cfg, NULL, &err);
	if (rc != PRIVD_OK) {
		cli_print_err("configuration", rc, &err);
		return 2;
	}
	if (f->config != NULL)
		snprintf(cfg.config_file, sizeof(cfg.config_file), "%s", f->config);
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", f->data_dir);
	if (f->database != NULL)
		snprintf(cfg.database_url, sizeof(cfg.database_url), "%s", f->database);
	if (f->listen != NULL)
		snprintf(cfg.listen, sizeof(cfg.listen), "%s", f->listen);
	if (f->operator_name != NULL)
		snprintf(cfg.operator_name, sizeof(cfg.operator_name), "%s", f->operator_name);
	if (f->operator_address != NULL)
		snprintf(cfg.operator_address, sizeof(cfg.operator_address), "%s", f->operator_address);
	if (f->server_country != NULL &&
	    privd_validate_country(f->server_country, cfg.server_country, &why) != PRIVD_OK) {
		fprintf(stderr, "privd: --server-country %s\n", why);
		return 2;
	}
	rc = privd_service_init(&cfg, key, sizeof(key), &err);
	if (rc != PRIVD_OK) {
		cli_print_err("init", rc, &err);
		return 1;
	}
	printf("initialised %s\n", cfg.data_dir);
	printf("configuration: %s\n", privd_config_path(&cfg, path, sizeof(path)));
	printf("database: %s\n", strncmp(cfg.database_url, "postgres", 8) == 0 ? "postgresql" : "sqlite");
	printf("server country: %s\n", cfg.server_country);
	printf("master key: %s/master.key (mode 0600; back it up apart from the data)\n", cfg.data_dir);
	printf("privacy policy version 1 installed (ru, en)\n");
	printf("consent texts version 1 installed: processing, third_party_transfer (ru, en)\n");
	if (cfg.operator_address[0] == '\0')
		printf("warning: [operator] address is not set, so the consent texts name no address (152-FZ Art. 9 "
		       "p.4); set it and publish new versions (POST /v1/consent-texts)\n");
	printf("the admin API key below is shown once; store it now\n");
	printf("admin_key=%s\n", key);
	explicit_bzero(key, sizeof(key));
	return 0;
}

static int cmd_audit_verify(const struct flags *f)
{
	struct privd_config cfg;
	struct privd_service *svc = NULL;
	struct privd_audit_verdict v;
	struct privd_err err = {0};
	enum privd_rc rc;

	if (cli_load_config(f, &cfg, 0) != 0)
		return 2;
	cfg.background = false;
	rc = privd_service_open(&cfg, &svc, &err);
	if (rc != PRIVD_OK) {
		cli_print_err("cannot open", rc, &err);
		return 2;
	}
	rc = privd_service_audit_verify(svc, &v);
	privd_service_close(svc);
	if (rc != PRIVD_OK) {
		fprintf(stderr, "privd: cannot read the audit log: %s\n", privd_rc_str(rc));
		return 2;
	}
	if (!v.ok && v.anchor_bad) {
		printf("audit chain BROKEN: %s/audit.anchor does not authenticate: it was changed\n", cfg.data_dir);
		return 1;
	}
	if (!v.ok && v.truncated) {
		printf(
		    "audit chain BROKEN: entry %lld does not verify: it is missing, the chain ends at %lld but entry "
		    "%lld was anchored\n",
		    (long long)v.first_bad, (long long)v.entries, (long long)v.anchored);
		return 1;
	}
	if (!v.ok) {
		printf("audit chain BROKEN: entry %lld does not verify (%lld entries checked)\n",
		       (long long)v.first_bad, (long long)v.entries);
		return 1;
	}
	printf("audit chain intact: %lld entries, head %s\n", (long long)v.entries, v.head[0] ? v.head : "-");
	return 0;
}

static int cmd_calendar_add(const char *date, const char *days, const struct flags *f)
{
	struct privd_config cfg;
	struct privd_date from, due;
	struct privd_err err = {0};
	const char *why = NULL;
	char out[16], note[PRIVD_CALENDAR_NOTE_MAX], *end = NULL;
	enum privd_rc rc;
	long n;

	if (privd_date_parse(date, &from, &why) != PRIVD_OK) {
		fprintf(stderr, "privd: bad DATE %s: %s\n", date, why != NULL ? why : "not a date YYYY-MM-DD");
		return 2;
	}
	errno = 0;
	n = strtol(days, &end, 10);
	if (days[0] < '0' || days[0] > '9' || *end != '\0' || errno != 0 || n > 10000) {
		fprintf(stderr, "privd: bad N %s: must be a whole number of working days from 0 to 10000\n", days);
		return 2;
	}
	if (cli_load_config(f, &cfg, 1) != 0)
		return 2;
	rc = privd_service_calendar_add_working_days(&cfg, &from, (int)n, &due, note, &err);
	if (rc != PRIVD_OK) {
		cli_print_err("cannot load the calendar", rc, &err);
		return 1;
	}
	privd_date_format(&due, out, sizeof(out));
	if (note[0] != '\0')
		printf("%s (estimated: %s)\n", out, note);
	else
		printf("%s\n", out);
	return 0;
}

/* `privd integrity`: the hash a site puts in its script tag, and the file it is of. */
static int cmd_integrity(const struct flags *f)
{
	struct privd_config cfg;
	struct privd_err err = {0};
	char integrity[PRIVD_WEB_INTEGRITY_MAX];
	size_t len = 0;
	enum privd_rc rc;

	if (cli_load_config(f, &cfg, 1) != 0)
		return 2;
	rc = privd_web_integrity(&cfg, "consent.js", integrity, &len, &err);
	if (rc != PRIVD_OK) {
		cli_print_err("integrity", rc, &err);
		return 1;
	}
	printf("consent.js %s %zu bytes %s/consent.js\n", integrity, len, cfg.web_dir);
	return 0;
}

int main(int argc, char **argv)
{
	struct flags f = {0};
	struct privd_err err = {0};
	const char *cmd = argc > 1 ? argv[1] : NULL;

	cli_log_init();
	if (privd_process_harden(&err) != PRIVD_OK) {
		fprintf(stderr, "privd: %s\n", err.msg);
		return 1;
	}
	if (cmd == NULL || strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(cmd == NULL ? stderr : stdout);
		return cmd == NULL ? 2 : 0;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("privd %s\n", PRIVD_VERSION);
		return 0;
	}
	if (strcmp(cmd, "routes") == 0) {
		privd_http_routes_print(stdout);
		return 0;
	}
	if (strcmp(cmd, "integrity") == 0)
		return cli_parse_flags(argc - 2, argv + 2, &f) == 0 ? cmd_integrity(&f) : 2;
	if (strcmp(cmd, "init") == 0)
		return cli_parse_flags(argc - 2, argv + 2, &f) == 0 ? cmd_init(&f) : 2;
	if (strcmp(cmd, "serve") == 0)
		return cli_parse_flags(argc - 2, argv + 2, &f) == 0 ? cli_serve(&f) : 2;
	if (strcmp(cmd, "check-config") == 0)
		return cli_parse_flags(argc - 2, argv + 2, &f) == 0 ? cli_check_config(&f) : 2;
	if (strcmp(cmd, "dump-config") == 0)
		return cli_parse_flags(argc - 2, argv + 2, &f) == 0 ? cli_dump_config(&f) : 2;
	if (strcmp(cmd, "audit") == 0 && argc > 2 && strcmp(argv[2], "verify") == 0)
		return cli_parse_flags(argc - 3, argv + 3, &f) == 0 ? cmd_audit_verify(&f) : 2;
	if (strcmp(cmd, "keys") == 0)
		return cli_keys(argc - 2, argv + 2);
	if (strcmp(cmd, "backup") == 0)
		return cli_backup(argc - 2, argv + 2);
	if (strcmp(cmd, "restore") == 0)
		return cli_restore(argc - 2, argv + 2);
	if (strcmp(cmd, "calendar") == 0 && argc > 4 && strcmp(argv[2], "add-working-days") == 0)
		return cli_parse_flags(argc - 5, argv + 5, &f) == 0 ? cmd_calendar_add(argv[3], argv[4], &f) : 2;
	if (strcmp(cmd, "calendar") == 0) {
		fprintf(stderr, "privd: calendar needs add-working-days DATE N\n");
		usage(stderr);
		return 2;
	}
	fprintf(stderr, "privd: unknown command %s\n", cmd);
	usage(stderr);
	return 2;
}
