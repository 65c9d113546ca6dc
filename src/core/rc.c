/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* rc.c - result codes and the error detail struct. */
#include "rc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum privd_rc privd_err_set(struct privd_err *err, enum privd_rc rc, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return rc;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

void privd_err_field(struct privd_err *err, const char *field, const char *reason)
{
	struct privd_field_error *f;

	if (err == NULL || err->nfields >= PRIVD_ERR_MAX_FIELDS)
		return;
	for (size_t i = 0; i < err->nfields; i++)
		if (strncmp(err->fields[i].field, field, sizeof(err->fields[i].field) - 1) == 0)
			return; /* one reason per field: the first found */
	f = &err->fields[err->nfields++];
	snprintf(f->field, sizeof(f->field), "%s", field);
	snprintf(f->reason, sizeof(f->reason), "%s", reason);
}

enum privd_rc privd_err_problem(struct privd_err *err, enum privd_rc rc, const char *slug)
{
	if (err != NULL)
		snprintf(err->problem, sizeof(err->problem), "%s", slug);
	return rc;
}

const char *privd_rc_str(enum privd_rc rc)
{
	switch (rc) {
	case PRIVD_OK:
		return "ok";
	case PRIVD_ERR_INVALID:
		return "invalid";
	case PRIVD_ERR_MALFORMED:
		return "malformed";
	case PRIVD_ERR_NOT_FOUND:
		return "not found";
	case PRIVD_ERR_CONFLICT:
		return "conflict";
	case PRIVD_ERR_FORBIDDEN:
		return "forbidden";
	case PRIVD_ERR_GONE:
		return "gone";
	case PRIVD_ERR_TOO_LARGE:
		return "too large";
	case PRIVD_ERR_UNSUPPORTED:
		return "unsupported";
	case PRIVD_ERR_NOMEM:
		return "out of memory";
	case PRIVD_ERR_IO:
		return "i/o error";
	case PRIVD_ERR_DB:
		return "database error";
	case PRIVD_ERR_CRYPTO:
		return "crypto error";
	case PRIVD_ERR_BUSY:
		return "busy";
	case PRIVD_ERR_INTERNAL:
		return "internal error";
	}
	return "unknown";
}
