/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * masterkey.c - the names of a master key's states and of its files (see masterkey.h).
 *
 * A key file's name is checked here, not where the directory is read, because the name is trusted: a file named
 * master.key.<kid> is looked for when the keystore asks for that kid, so anything else in the directory (an
 * editor's backup, master.key.old) must not pass for a key.
 */
#include "masterkey.h"

#include <string.h>

#include "names.h"

static const char *const state_names[PRIVD_MASTER_KEY_STATE_COUNT] = {
    [PRIVD_MASTER_KEY_CURRENT] = "current",
    [PRIVD_MASTER_KEY_RETIRING] = "retiring",
    [PRIVD_MASTER_KEY_RETIRED] = "retired",
};

const char *privd_master_key_state_name(enum privd_master_key_state s)
{
	return privd_names_get(state_names, PRIVD_MASTER_KEY_STATE_COUNT, (int)s);
}

enum privd_rc privd_master_key_state_parse(const char *name, enum privd_master_key_state *out)
{
	int i = privd_names_find(state_names, PRIVD_MASTER_KEY_STATE_COUNT, name);

	if (i < 0)
		return PRIVD_ERR_INVALID;
	*out = (enum privd_master_key_state)i;
	return PRIVD_OK;
}

bool privd_kid_valid(const char *s)
{
	size_t i;

	if (s == NULL)
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == PRIVD_KID_HEX - 1;
}

bool privd_master_key_file_name(const char *name, char *kid)
{
	static const char base[] = "master.key";

	if (name == NULL || strncmp(name, base, sizeof(base) - 1) != 0)
		return false;
	name += sizeof(base) - 1;
	if (name[0] == '\0') {
		if (kid != NULL)
			kid[0] = '\0';
		return true;
	}
	if (name[0] != '.' || !privd_kid_valid(name + 1))
		return false;
	if (kid != NULL)
		memcpy(kid, name + 1, PRIVD_KID_HEX);
	return true;
}
