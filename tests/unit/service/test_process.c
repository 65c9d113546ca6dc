/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_process.c - the start-up hardening: after it, the process is not dumpable and may write no core file.
 *
 * Read back from the kernel (PR_GET_DUMPABLE, the core limit), not from privd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "service/process.h"

static void test_harden(void **state)
{
	struct privd_err err = {0};
	struct rlimit rl;

	(void)state;
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1); /* as every process starts */
	assert_int_equal(privd_process_harden(&err), PRIVD_OK);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
	assert_true(rl.rlim_cur == 0 && rl.rlim_max == 0);
	/* twice is fine: nothing is undone */
	assert_int_equal(privd_process_harden(&err), PRIVD_OK);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_harden)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
