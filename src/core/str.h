/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * str.h - copying a C string into a fixed-size field.
 *
 * Rows and states hold their short texts (a purpose, a version, a language) in char arrays, and the registration
 * fills some twenty of them for every person. snprintf(dst, cap, "%s", src) did it, parsing its format each
 * time; this copies the same bytes: as much of src as fits, always NUL-terminated.
 */
#ifndef PRIVD_CORE_STR_H
#define PRIVD_CORE_STR_H

#include <stddef.h>

/* Copies src (NULL as "") into dst of cap bytes, cut to cap - 1 bytes, NUL-terminated when cap > 0. Returns the
 * length written. Cannot fail. */
size_t privd_str_copy(char *dst, size_t cap, const char *src);

#endif
