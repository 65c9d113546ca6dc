/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * serve.c - `privd serve`: the server's life under a service manager, from start to drained stop.
 *
 * Signals are blocked in every thread and this one waits for them with sigwait, so a handler never runs inside a
 * library call and the work a signal asks for runs as ordinary code: SIGTERM and SIGINT stop (drained), SIGHUP
 * reads the configuration again, SIGUSR1 reopens the log file. A reload is all or nothing for what it may change:
 * a file with any fault is logged fault by fault and left out, the server running on as it was; a good file has
 * its live keys applied (privd_config_key_live) and the keys that need a restart named in the log. systemd hears
 * of each step (READY, RELOADING, STOPPING, STATUS) through sdnotify.c.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "http/http.h"
#include "service/config.h"
#include "service/sandbox.h"
#include "service/service.h"

#define KEYS_JSON_MAX 1024

struct server {
	const struct flags *flags;
	struct privd_config cfg; /* in effect */
	struct privd_sandbox sandbox;
	struct privd_service *svc;
	struct privd_http *http;
};

/* The keys a reload changed, as two JSON arrays of names. */
struct changes {
	char live[KEYS_JSON_MAX], restart[KEYS_JSON_MAX];
	size_t nlive, nrestart;
};

static const char *engine(const struct privd_config *cfg)
{
	return strncmp(cfg->database_url, "postgres", 8) == 0 ? "postgresql" : "sqlite";
}

static void status_ready(const struct server *s)
{
	cli_notify("READY=1\nSTATUS=serving on port %u (%s)", privd_http_port(s->http), engine(&s->cfg));
}

static void collect(void *arg, const char *key, bool live)
{
	struct changes *ch = arg;
	char *list = live ? ch->live : ch->restart;
	size_t *n = live ? &ch->nlive : &ch->nrestart, len = strlen(list);

	snprintf(list + len, KEYS_JSON_MAX - len, "%s\"%s\"", *n > 0 ? "," : "", key);
	(*n)++;
}

/* Each fault as a log line: where it is and why, never the value (it may be a secret). */
static void log_faults(const struct privd_config_faults *faults)
{
	char reason[400], env[80];

	for (size_t i = 0; i < faults->n && i < PRIVD_CONFIG_FAULTS_MAX; i++) {
		const struct privd_config_fault *f = &faults->items[i];

		privd_json_escape(f->reason, reason, sizeof(reason));
		privd_json_escape(f->env, env, sizeof(env));
		privd_log(PRIVD_LOG_ERROR, "config.fault",
		          "\"key\":\"%s\",\"line\":%d,\"env\":\"%s\",\"reason\":\"%s\"", f->key, f->line, env, reason);
	}
}

/* What the live keys of next change outside the service: the body limits, the log. */
static void apply_edges(struct server *s, struct privd_config *next)
{
	struct privd_err err = {0};
	char why[300];

	privd_http_set_limits(s->http, next->body_limit, next->document_limit);
	if (strcmp(next->log_file, s->cfg.log_file) != 0 && cli_log_open(next->log_file, &err) != PRIVD_OK) {
		privd_json_escape(err.msg, why, sizeof(why));
		privd_log(PRIVD_LOG_ERROR, "log.open_failed", "\"reason\":\"%s\"", why);
		memcpy(next->log_file, s->cfg.log_file, sizeof(next->log_file)); /* the log stays where it was */
	}
	privd_log_set_level(privd_log_level_parse(next->log_level));
}

/* SIGHUP: the configuration read again; applied whole when it has no fault, or not at all. */
static void reload(struct server *s)
{
	struct privd_config *next = malloc(sizeof(*next));
	struct privd_config_faults *faults = malloc(sizeof(*faults));
	struct privd_err err = {0};
	struct changes ch = {{0}, {0}, 0, 0};
	struct timespec mono;
	char why[300];

	clock_gettime(CLOCK_MONOTONIC, &mono);
	cli_notify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reading the configuration again",
	           (unsigned long long)mono.tv_sec * 1000000ull + (unsigned long long)mono.tv_nsec / 1000ull);
	if (next == NULL || faults == NULL) {
		privd_log(PRIVD_LOG_ERROR, "config.reload_failed",
		          "\"reason\":\"out of memory; the configuration in "
		          "effect is kept\"");
		goto out;
	}
	if (cli_read_config(s->flags, next, faults) != PRIVD_OK) {
		log_faults(faults);
		privd_log(PRIVD_LOG_ERROR, "config.reload_failed",
		          "\"faults\":%zu,\"reason\":\"the configuration in effect is kept\"", faults->n);
		goto out;
	}
	privd_config_diff(&s->cfg, next, collect, &ch);
	if (ch.nlive > 0 && privd_service_reload(s->svc, next, &err) != PRIVD_OK) {
		privd_json_escape(err.msg, why, sizeof(why));
		privd_log(PRIVD_LOG_ERROR, "config.reload_failed",
		          "\"key\":\"%s\",\"reason\":\"%s; the configuration in effect is kept\"",
		          err.nfields > 0 ? err.fields[0].field : "", why);
		goto out;
	}
	if (ch.nlive > 0) {
		apply_edges(s, next);
		privd_config_take_live(&s->cfg, next);
	}
	if (ch.nrestart > 0)
		privd_log(PRIVD_LOG_WARN, "config.restart_required", "\"keys\":[%s]", ch.restart);
	privd_log(PRIVD_LOG_INFO, "config.reloaded", "\"changed\":[%s],\"restart_required\":[%s]", ch.live, ch.restart);
out:
	if (next != NULL)
		explicit_bzero(next, sizeof(*next)); /* the SMTP password, the SMS secret */
	free(next);
	free(faults);
	status_ready(s);
}

/* SIGUSR1: the log file opened again, after logrotate moved it. */
static void reopen_log(void)
{
	struct privd_err err = {0};
	char why[300];

	if (cli_log_reopen(&err) == PRIVD_OK) {
		privd_log(PRIVD_LOG_INFO, "log.reopened", NULL);
		return;
	}
	privd_json_escape(err.msg, why, sizeof(why));
	privd_log(PRIVD_LOG_ERROR, "log.open_failed", "\"reason\":\"%s\"", why);
}

static int start(struct server *s)
{
	struct privd_http_opts opts;
	struct privd_err err = {0};
	enum privd_rc rc;

	if (s->cfg.log_file[0] != '\0' && cli_log_open(s->cfg.log_file, &err) != PRIVD_OK) {
		cli_print_err("cannot start", PRIVD_ERR_IO, &err);
		return 2;
	}
	/* before any thread: what it may touch of the filesystem is set for all of them */
	rc = privd_sandbox_files(&s->cfg, &s->sandbox, &err);
	if (rc == PRIVD_OK)
		rc = privd_service_open(&s->cfg, &s->svc, &err);
	if (rc != PRIVD_OK) {
		cli_log_open("", NULL); /* the error to the terminal or the journal, where a person looks */
		cli_print_err("cannot start", rc, &err);
		return 1;
	}
	opts.listen = s->cfg.listen;
	opts.body_limit = s->cfg.body_limit;
	opts.document_limit = s->cfg.document_limit;
	opts.threads = s->cfg.threads;
	opts.yield_us = s->cfg.yield_us;
	opts.slice_us = s->cfg.slice_us;
	opts.cookie_origins = s->cfg.cookie_origins;
	opts.cookie_rate = s->cfg.cookie_rate;
	opts.cookie_burst = s->cfg.cookie_burst;
	opts.tls_cert = s->cfg.tls_cert;
	opts.tls_key = s->cfg.tls_key;
	opts.trusted_proxies = s->cfg.trusted_proxies;
	opts.forwarded_rfc7239 = strcmp(s->cfg.forwarded_header, "forwarded") == 0;
	opts.max_connections = s->cfg.max_connections;
	opts.connections_per_ip = s->cfg.connections_per_ip;
	opts.header_timeout = s->cfg.header_timeout;
	opts.request_timeout = s->cfg.request_timeout;
	opts.body_memory = s->cfg.body_memory;
	opts.body_memory_per_ip = s->cfg.body_memory_per_ip;
	opts.metrics_listen = s->cfg.metrics_listen;
	opts.metrics_require_key = s->cfg.metrics_require_key;
	rc = privd_http_start(s->svc, &opts, &s->http, &err);
	if (rc != PRIVD_OK) {
		cli_log_open("", NULL);
		cli_print_err("cannot listen", rc, &err);
		return 1;
	}
	/* listening, the keys read: root and every system call serving does not need are given up */
	rc = privd_sandbox_calls(&s->sandbox, &err);
	if (rc != PRIVD_OK) {
		cli_print_err("cannot start", rc, &err);
		return 1;
	}
	return 0;
}

int cli_serve(const struct flags *f)
{
	struct server *s = calloc(1, sizeof(*s));
	sigset_t set;
	int sig = 0, status = 1;

	if (s == NULL) {
		fprintf(stderr, "privd: out of memory\n");
		return 1;
	}
	/* Block the signals in every thread; this one waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->flags = f;
	if (cli_load_config(f, &s->cfg, 0) != 0) {
		status = 2;
		goto out;
	}
	status = start(s);
	if (status != 0)
		goto out;
	if (privd_http_metrics_port(s->http) != 0)
		privd_log(PRIVD_LOG_INFO, "http.metrics_listening", "\"port\":%u", privd_http_metrics_port(s->http));
	privd_log(PRIVD_LOG_INFO, "http.listening", "\"port\":%u,\"database\":\"%s\"", privd_http_port(s->http),
	          engine(&s->cfg));
	status_ready(s);
	for (;;) {
		sigwait(&set, &sig);
		if (sig == SIGHUP)
			reload(s);
		else if (sig == SIGUSR1)
			reopen_log();
		else
			break;
	}
	cli_notify("STOPPING=1\nSTATUS=stopping: finishing the requests in flight");
	privd_log(PRIVD_LOG_INFO, "shutdown", "\"signal\":%d", sig);
out:
	privd_http_stop(s->http);
	privd_service_close(s->svc);
	if (status == 0)
		privd_log(PRIVD_LOG_INFO, "stopped", NULL);
	explicit_bzero(&s->cfg, sizeof(s->cfg));
	free(s);
	return status;
}
