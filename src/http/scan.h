/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * scan.h - the steps shared by the strict scanners of the usual request bodies (batch_scan.c for the batch check,
 * reg_scan.c for registration): JSON whitespace skipped, one expected byte taken. Each scanner reads only the body
 * it expects and declines anything else, which jansson then reads, so that every error answer stays jansson's.
 */
#ifndef PRIVD_HTTP_SCAN_H
#define PRIVD_HTTP_SCAN_H

#include <stdbool.h>

/* A body being read: p the next byte, end one past the last; strs, where the scanner copies the strings it
 * unescapes (NULL when it keeps slices of the body). */
struct privd_scan {
	const char *p, *end;
	char *strs;
};

/* Skips JSON whitespace (space, tab, line feed, carriage return). */
static inline void privd_scan_ws(struct privd_scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* Consumes c after optional whitespace: false, consuming only the whitespace, when the next byte is another. */
static inline bool privd_scan_take(struct privd_scan *s, char c)
{
	privd_scan_ws(s);
	if (s->p == s->end || *s->p != c)
		return false;
	s->p++;
	return true;
}

#endif
