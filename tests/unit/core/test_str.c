/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_str.c - privd_str_copy: what fits copied whole, a longer text cut and still terminated, NULL as "", a
 * field of no bytes left alone: the bytes snprintf(dst, cap, "%s", src) wrote.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/str.h"

static void test_copy(void **state)
{
	static const char *const srcs[] = {"", "a", "abcdefg", "abcdefgh", "abcdefghijklmnop", "Иван"};
	char got[8], want[8];

	(void)state;
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		for (size_t cap = 1; cap <= sizeof(got); cap++) {
			memset(got, 'x', sizeof(got));
			memset(want, 'x', sizeof(want));
			snprintf(want, cap, "%s", srcs[i]);
			assert_int_equal(privd_str_copy(got, cap, srcs[i]), strlen(want));
			assert_memory_equal(got, want, sizeof(got));
		}
	}
	assert_int_equal(privd_str_copy(got, sizeof(got), NULL), 0);
	assert_string_equal(got, "");
	got[0] = 'x';
	assert_int_equal(privd_str_copy(got, 0, "abc"), 0);
	assert_int_equal(got[0], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_copy)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
