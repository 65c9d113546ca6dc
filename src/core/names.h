/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * names.h - the one way core turns an enum into its name and back: a table of names indexed by the enum.
 *
 * Every typed state privd stores or shows (a subject's status, a request's type, status and events, a notice's
 * kind and status, a consent's purpose) has a fixed name that is part of the data format. Each module keeps its
 * table next to its enum; these two helpers are the lookups they share, so that an unknown value is "unknown" and
 * an unknown name is refused the same way everywhere. Small and on hot paths (every row read), so static inline.
 */
#ifndef PRIVD_CORE_NAMES_H
#define PRIVD_CORE_NAMES_H

#include <stddef.h>
#include <string.h>

/* names[v], or "unknown" when v is outside [0, n) or has no name. Never NULL. */
static inline const char *privd_names_get(const char *const *names, int n, int v)
{
	return v >= 0 && v < n && names[v] != NULL ? names[v] : "unknown";
}

/* The index of name in names[0..n) (exact, case-sensitive), or -1 for NULL or a name not in the table. */
static inline int privd_names_find(const char *const *names, int n, const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

#endif
