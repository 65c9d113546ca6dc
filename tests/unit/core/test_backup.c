/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_backup.c - backup sets' names (written and read back, strictly), when a set ages out, and which keystore
 * set a data set is restored with; and the names of master keys' states and files.
 *
 * A set's name is its time, and retention removes what it reads as an old name: so anything else in a backup
 * directory (a set being written, an operator's notes) must never read as a set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/backup.h"
#include "core/masterkey.h"

#define DAY_MS 86400000LL
#define T0 1796038608123LL /* 2026-11-30T11:36:48.123Z */

static void test_stamp_round_trip(void **state)
{
	char s[PRIVD_BACKUP_STAMP_LEN];
	int64_t ms = 0;

	(void)state;
	privd_backup_stamp(T0, s);
	assert_string_equal(s, "2026-11-30T11-36-48.123Z");
	assert_true(privd_backup_stamp_parse(s, &ms));
	assert_int_equal(ms, T0);
	privd_backup_stamp(0, s);
	assert_string_equal(s, "1970-01-01T00-00-00.000Z");
	assert_true(privd_backup_stamp_parse(s, &ms));
	assert_int_equal(ms, 0);
	/* later sets sort later as text */
	{
		char later[PRIVD_BACKUP_STAMP_LEN];

		privd_backup_stamp(T0 + 1, later);
		assert_true(strcmp(s, later) < 0);
	}
}

static void test_stamp_parse_strict(void **state)
{
	static const char *const bad[] = {
	    "",
	    "2026-11-30T11:36:48.123Z", /* the API's form, not a set's */
	    ".2026-11-30T11-36-48.123Z.partial",
	    "2026-11-30T11-36-48.123",
	    "2026-11-30T11-36-48.123Zx",
	    "2026-11-30T25-36-48.123Z",
	    "2026-11-30T11-61-48.123Z",
	    "2026-02-30T11-36-48.123Z",
	    "2026-11-30t11-36-48.123Z",
	    "2026-11-30T11-36-48,123Z",
	    "notes.txt",
	    NULL,
	};
	int64_t ms = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(privd_backup_stamp_parse(bad[i], &ms));
	assert_int_equal(ms, 42);
}

static void test_expired(void **state)
{
	(void)state;
	assert_false(privd_backup_expired(T0, T0, 7));
	assert_false(privd_backup_expired(T0, T0 + 7 * DAY_MS, 7));
	assert_true(privd_backup_expired(T0, T0 + 7 * DAY_MS + 1, 7));
	assert_false(privd_backup_expired(T0, T0 + 29 * DAY_MS, 30));
	assert_true(privd_backup_expired(T0, T0 + 31 * DAY_MS, 30));
}

static void test_pick_keystore(void **state)
{
	const int64_t ks[] = {T0 + 5 * DAY_MS, T0, T0 + DAY_MS, T0 - DAY_MS};

	(void)state;
	/* its own set, taken with it */
	assert_int_equal(privd_backup_pick_keystore(T0, ks, 4), 1);
	/* an old data set whose keystore set aged out: the earliest one after it */
	assert_int_equal(privd_backup_pick_keystore(T0 - 3 * DAY_MS, ks + 1, 2), 0);
	assert_int_equal(privd_backup_pick_keystore(T0 + 2 * DAY_MS, ks, 4), 0);
	/* none taken since */
	assert_int_equal(privd_backup_pick_keystore(T0 + 6 * DAY_MS, ks, 4), -1);
	assert_int_equal(privd_backup_pick_keystore(T0, NULL, 0), -1);
}

static void test_master_key_names(void **state)
{
	char kid[PRIVD_KID_HEX];
	enum privd_master_key_state st = PRIVD_MASTER_KEY_RETIRED;

	(void)state;
	assert_string_equal(privd_master_key_state_name(PRIVD_MASTER_KEY_CURRENT), "current");
	assert_string_equal(privd_master_key_state_name(PRIVD_MASTER_KEY_RETIRING), "retiring");
	assert_string_equal(privd_master_key_state_name(PRIVD_MASTER_KEY_RETIRED), "retired");
	assert_string_equal(privd_master_key_state_name(PRIVD_MASTER_KEY_STATE_COUNT), "unknown");
	assert_int_equal(privd_master_key_state_parse("retiring", &st), PRIVD_OK);
	assert_int_equal(st, PRIVD_MASTER_KEY_RETIRING);
	assert_int_equal(privd_master_key_state_parse("Current", &st), PRIVD_ERR_INVALID);
	assert_int_equal(privd_master_key_state_parse(NULL, &st), PRIVD_ERR_INVALID);
	assert_int_equal(st, PRIVD_MASTER_KEY_RETIRING);

	assert_true(privd_kid_valid("0123456789abcdef"));
	assert_false(privd_kid_valid("0123456789ABCDEF"));
	assert_false(privd_kid_valid("0123456789abcde"));
	assert_false(privd_kid_valid("0123456789abcdef0"));
	assert_false(privd_kid_valid(""));
	assert_false(privd_kid_valid(NULL));

	assert_true(privd_master_key_file_name("master.key", kid));
	assert_string_equal(kid, "");
	assert_true(privd_master_key_file_name("master.key.0123456789abcdef", kid));
	assert_string_equal(kid, "0123456789abcdef");
	assert_true(privd_master_key_file_name("master.key.0123456789abcdef", NULL));
	assert_false(privd_master_key_file_name("master.key.old", kid));
	assert_false(privd_master_key_file_name("master.key~", kid));
	assert_false(privd_master_key_file_name("master.key.0123456789abcdef.tmp", kid));
	assert_false(privd_master_key_file_name("xmaster.key", kid));
	assert_false(privd_master_key_file_name(NULL, kid));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stamp_round_trip), cmocka_unit_test(test_stamp_parse_strict),
	    cmocka_unit_test(test_expired),          cmocka_unit_test(test_pick_keystore),
	    cmocka_unit_test(test_master_key_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
