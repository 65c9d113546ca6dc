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

static int setup(void **state)
{
	struct privd_config cfg;
	char path[128];

	(void)state;
	snprintf(g_dir, sizeof(g_dir), "/tmp/privd-service-test-XXXXXX");
	if (mkdtemp(g_dir) == NULL || privd_crypto_init() != PRIVD_OK)
		return -1;
	snprintf(path, sizeof(path), "%s/master.key", g_dir);
	if (privd_keyring_create(path, NULL) != PRIVD_OK)
		return -1;
	privd_config_defaults(&cfg);
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", g_dir);
	cfg.background = false;
	return privd_service_open(&cfg, &g_svc, NULL) == PRIVD_OK ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	privd_service_close(g_svc);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
