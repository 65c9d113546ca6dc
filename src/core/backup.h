/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * backup.h - the rules of privd's backup sets: how a set is named, when it ages out, and which keystore set a data
 * set is restored with.
 *
 * A backup is two sets taken at one instant: the data (every table but the keys) and the keystore (the wrapped
 * data keys). They are kept apart and for different lengths of time. An erasure destroys the person's data key;
 * their encrypted rows stay in every data set taken before it, readable only with a keystore set that still holds
 * the key. So keystore sets are kept for a shorter time than data sets: once the last keystore set older than an
 * erasure has aged out, no backup can reveal the person, while the data sets still restore everyone else (with a
 * newer keystore set: the first one taken at or after the data set). Pure: the clock is passed in.
 */
#ifndef PRIVD_CORE_BACKUP_H
#define PRIVD_CORE_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "2026-11-26T11-36-48.123Z" and its NUL: the UTC time a set was taken, sortable as text, usable as a file name. */
#define PRIVD_BACKUP_STAMP_LEN 25

/* Writes the stamp of a set taken at ms. This function can't fail. */
void privd_backup_stamp(int64_t ms, char out[PRIVD_BACKUP_STAMP_LEN]);
/* The time a stamp names; false when s is not a stamp (*ms then unchanged). */
bool privd_backup_stamp_parse(const char *s, int64_t *ms);

/* Whether a set taken at taken_ms is older than retention_days (whole days of 24 hours) at now_ms. */
bool privd_backup_expired(int64_t taken_ms, int64_t now_ms, int retention_days);

/* The keystore set to restore the data set taken at data_ms with: the index in ks_ms[0..n) of the earliest taken
 * at or after it, or -1 when there is none. Any later one would do as well for everyone not erased since (data keys
 * never change), but the earliest has lost the fewest of them. This function can't fail. */
ptrdiff_t privd_backup_pick_keystore(int64_t data_ms, const int64_t *ks_ms, size_t n);

#endif
