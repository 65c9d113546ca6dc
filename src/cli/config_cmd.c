/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * config_cmd.c - `privd check-config` and `privd dump-config`: the configuration as privd would take it, checked
 * or shown, without starting anything.
 *
 * check-config is what an operator runs before a restart or a SIGHUP, and what a package runs before it restarts
 * privd, so it names every fault at once (each key, line and environment variable) and exits 0 or 1, and it runs
 * the checks `privd serve` makes at start (the service's own functions), not an imitation of them. dump-config is
 * pasted into tickets: the secrets are redacted by the configuration module before anything is printed.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/log.h"
#include "http/http.h"
#include "service/config.h"
#include "service/sandbox.h"
#include "service/service.h"

/* Whether privd could append to [log] file: the file, or the directory it would be created in, is writable. */
static void check_log_file(const struct privd_config *cfg, struct privd_config_faults *faults)
{
	char dir[sizeof(cfg->log_file)];

	if (cfg->log_file[0] == '\0' || access(cfg->log_file, W_OK) == 0)
		return;
	if (errno == ENOENT) {
		snprintf(dir, sizeof(dir), "%s", cfg->log_file);
		if (access(dirname(dir), W_OK) == 0)
			return;
	}
	privd_config_fault_add(faults, "log.file", "cannot be written: %s", strerror(errno));
}

int cli_check_config(const struct flags *f)
{
	struct privd_config_faults *faults = malloc(sizeof(*faults));
	struct privd_config *cfg = malloc(sizeof(*cfg));
	char path[sizeof(cfg->config_file) + 16];
	int status = 1;

	if (faults == NULL || cfg == NULL) {
		fprintf(stderr, "privd: out of memory\n");
		goto out;
	}
	privd_log_set_level(PRIVD_LOG_ERROR); /* the calendar's warnings are not faults */
	if (cli_read_config(f, cfg, faults) == PRIVD_OK) {
		struct privd_err err = {0};

		if (privd_http_check_listen(cfg->listen, &err) != PRIVD_OK)
			privd_config_fault_add(faults, "server.listen", "%s", err.msg);
		if (cfg->metrics_listen[0] != '\0' && privd_http_check_listen(cfg->metrics_listen, &err) != PRIVD_OK)
			privd_config_fault_add(faults, "metrics.listen", "%s", err.msg);
		if (privd_http_check_tls(cfg->tls_cert, cfg->tls_key, &err) != PRIVD_OK)
			privd_config_fault_add(faults, err.nfields > 0 ? err.fields[0].field : "http.tls_cert", "%s",
			                       err.msg);
		check_log_file(cfg, faults);
		privd_service_check_config(cfg, faults);
		if (privd_sandbox_user_missing(cfg)) /* not a fault: serve starts, as root */
			fprintf(stderr,
			        "privd: warning: server.user: there is no user \"%s\": privd serve started as root "
			        "would stay "
			        "root (create it: adduser --system --group %s)\n",
			        cfg->user, cfg->user);
	}
	if (faults->n > 0) {
		cli_print_faults(stderr, "privd", faults);
		fprintf(stderr, "privd: %zu fault%s: the configuration is not usable\n", faults->n,
		        faults->n == 1 ? "" : "s");
		goto out;
	}
	privd_config_path(cfg, path, sizeof(path));
	printf("configuration OK: %s, the environment and the defaults\n", path[0] != '\0' ? path : "no file");
	status = 0;
out:
	if (cfg != NULL)
		explicit_bzero(cfg, sizeof(*cfg));
	free(cfg);
	free(faults);
	return status;
}

int cli_dump_config(const struct flags *f)
{
	struct privd_config_faults *faults = malloc(sizeof(*faults));
	struct privd_config *cfg = malloc(sizeof(*cfg));
	int status = 1;

	if (faults == NULL || cfg == NULL) {
		fprintf(stderr, "privd: out of memory\n");
		goto out;
	}
	if (cli_read_config(f, cfg, faults) != PRIVD_OK) {
		cli_print_faults(stderr, "privd", faults);
		goto out;
	}
	privd_config_dump(cfg, stdout);
	status = fflush(stdout) == 0 ? 0 : 1;
out:
	if (cfg != NULL)
		explicit_bzero(cfg, sizeof(*cfg));
	free(cfg);
	free(faults);
	return status;
}
