/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * config_int.h - what config_keys.c (the key table), config.c (reading) and config_write.c (writing, dumping,
 * comparing) share: the table of keys and the conversion of one value to and from text. Nothing outside those files
 * includes it.
 */
#ifndef PRIVD_SERVICE_CONFIG_INT_H
#define PRIVD_SERVICE_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "service/config.h"

#define PRIVD_CONFIG_VALUE_MAX 4096 /* longer than any value we accept, so a long line is never silently cut */
#define PRIVD_CONFIG_ENV_MAX 64

enum key_type {
	T_STR,          /* char[size], any text without control line breaks */
	T_STR_NONEMPTY, /* same, but "" is refused */
	T_SIZE,         /* size_t in [min, max] */
	T_UINT,         /* unsigned in [min, max] */
	T_INT,          /* int in [min, max] */
	T_BOOL,         /* true/false, yes/no, 1/0 */
	T_COUNTRY,      /* ISO 3166-1 alpha-2, or "" for unknown */
	T_COUNTRIES,    /* char[size]: ISO 3166-1 alpha-2 codes separated by commas, or "" for none */
	T_ORIGINS,      /* char[size]: web origins (https://host[:port]) separated by commas, or "" for none */
	T_CIDRS,        /* char[size]: networks (address/prefix, IPv4 or IPv6) separated by commas, or "" for none */
	T_LEVEL,        /* debug, info, warn, error */
	T_LANG,         /* ru, en, ru+en */
	T_CHOICE,       /* one of the key's choices, char[size] */
	T_MINUTES       /* minutes, with up to two decimals (0.05 is 3 s), stored as int seconds in [min, max] */
};

struct key {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset;
	size_t size;                /* buffer size of string keys */
	long long min, max;         /* numeric keys */
	const char *def;            /* default as text; NULL: computed in privd_config_defaults */
	const char *help;           /* comment written above the key; lines separated by \n */
	const char *const *choices; /* T_CHOICE: the values allowed, NULL-terminated */
};

/* What went wrong while applying one value: the key ("section.key") and why. */
struct fault {
	char key[64];
	char reason[160];
};

/* The table, in the order privd.conf lists the keys. */
extern const struct key privd_config_keys[];
extern const size_t privd_config_nkeys;

/* Applies the text value of k to c. Returns 1, or 0 with the reason in f (its first fault only). */
int privd_config_key_set(struct privd_config *c, const struct key *k, const char *value, struct fault *f);

/* Writes the current value of k in c as text into buf (of len bytes, PRIVD_CONFIG_VALUE_MAX is enough). */
void privd_config_key_format(const struct privd_config *c, const struct key *k, char *buf, size_t len);

/* PRIVD_<SECTION>_<NAME>, upper case. */
void privd_config_env_name(const struct key *k, char out[PRIVD_CONFIG_ENV_MAX]);

#endif
