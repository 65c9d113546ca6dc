/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * masterkey.h - the life of a master key as the keystore records it, and how a master key is named.
 *
 * Every data key is stored wrapped under a master key, and the keystore records which one (its id, "kid": 16 hex
 * characters computed from the key, so every node names a key the same way). A rotation moves the keystore from
 * one master key to the next: the new key becomes current (new data keys are wrapped under it), the old one is
 * retiring while its data keys are wrapped again under the new one, and retired once none is left, when its file
 * is destroyed. These names are stored, so they are part of the data format and never change.
 */
#ifndef PRIVD_CORE_MASTERKEY_H
#define PRIVD_CORE_MASTERKEY_H

#include <stdbool.h>

#include "rc.h"

#define PRIVD_KID_HEX 17 /* a master key's id: 16 lowercase hex characters + NUL */

enum privd_master_key_state {
	PRIVD_MASTER_KEY_CURRENT = 0, /* wraps every new data key */
	PRIVD_MASTER_KEY_RETIRING,    /* still wraps some; a rotation is wrapping them again */
	PRIVD_MASTER_KEY_RETIRED,     /* wraps none; its file is destroyed wherever it is found */
	PRIVD_MASTER_KEY_STATE_COUNT
};

/* "current", "retiring", "retired"; "unknown" outside the enum. Never NULL. */
const char *privd_master_key_state_name(enum privd_master_key_state s);
/* Parses a state name exactly; PRIVD_ERR_INVALID for anything else (NULL included), *out then unchanged. */
enum privd_rc privd_master_key_state_parse(const char *name, enum privd_master_key_state *out);

/* Whether s is a master key id: exactly 16 lowercase hex characters. Cannot fail. */
bool privd_kid_valid(const char *s);

/* Whether name is the name of a master key file: "master.key" (privd init's), or "master.key.<kid>" (a
 * rotation's), when kid (PRIVD_KID_HEX bytes, may be NULL) receives the id, "" for master.key. Cannot fail. */
bool privd_master_key_file_name(const char *name, char *kid);

#endif
