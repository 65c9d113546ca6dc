/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * str.c - copying a C string into a fixed-size field (see str.h).
 */
#include "str.h"

#include <string.h>

size_t privd_str_copy(char *dst, size_t cap, const char *src)
{
	size_t n;

	if (cap == 0)
		return 0;
	n = src != NULL ? strnlen(src, cap - 1) : 0;
	memcpy(dst, src != NULL ? src : "", n);
	dst[n] = '\0';
	return n;
}
