/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * service_test.h - what the service tests share: a real service on SQLite in a fresh temporary directory, with a
 * master key of its own, opened as a one-shot command opens it (no scheduler), and removed afterwards.
 */
#ifndef PRIVD_TEST_SERVICE_H
#define PRIVD_TEST_SERVICE_H

#include <stdio.h>
#include <stdlib.h>

#include "service/config.h"
#include "service/service_int.h"

static struct privd_service *g_svc;
static char g_dir[64];

/* A service in a fresh temporary directory (dir receives its path, at least 64 bytes), with a master key of its own,
 * opened as a one-shot command opens it. 0 on success. */
static int open_fresh_service(char *dir, size_t dir_len, struct privd_service **out)
{
	struct privd_config cfg;
	char path[128];

	snprintf(dir, dir_len, "/tmp/privd-service-test-XXXXXX");
	if (mkdtemp(dir) == NULL || privd_crypto_init() != PRIVD_OK)
		return -1;
	snprintf(path, sizeof(path), "%s/master.key", dir);
	if (privd_keyring_create(path, NULL) != PRIVD_OK)
		return -1;
	privd_config_defaults(&cfg);
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", dir);
	cfg.background = false;
	return privd_service_open(&cfg, out, NULL) == PRIVD_OK ? 0 : -1;
}

/* Closes svc and removes its directory. 0 on success. */
static int close_fresh_service(struct privd_service *svc, const char *dir)
{
	char cmd[128];

	privd_service_close(svc);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int setup(void **state)
{
	(void)state;
	return open_fresh_service(g_dir, sizeof(g_dir), &g_svc);
}

static int teardown(void **state)
{
	(void)state;
	return close_fresh_service(g_svc, g_dir);
}

#endif
