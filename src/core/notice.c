/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * notice.c - the names of a notice's kind and status (see notice.h).
 *
 * The names are what the outbox table holds, so a table indexed by the enum is the whole module: one place says
 * which string each state is stored and shown as, and a name read back that is not in it is refused, never
 * guessed.
 */
#include "notice.h"

#include "names.h"

static const char *const kind_names[PRIVD_NOTICE_KIND_COUNT] = {
    [PRIVD_NOTICE_REQUEST_RECEIVED] = "request.received",
    [PRIVD_NOTICE_REQUEST_REJECTED] = "request.rejected",
    [PRIVD_NOTICE_REQUEST_EXTENDED] = "request.extended",
    [PRIVD_NOTICE_REQUEST_COMPLETED] = "request.completed",
    [PRIVD_NOTICE_POLICY_PUBLISHED] = "policy.published",
    [PRIVD_NOTICE_REQUEST_ANSWERED] = "request.answered",
    [PRIVD_NOTICE_CONSENT_TEXT_PUBLISHED] = "consent_text.published",
    [PRIVD_NOTICE_INCIDENT] = "incident",
};

static const char *const status_names[PRIVD_NOTICE_STATUS_COUNT] = {
    [PRIVD_NOTICE_QUEUED] = "queued",
    [PRIVD_NOTICE_SENT] = "sent",
    [PRIVD_NOTICE_FAILED] = "failed",
    [PRIVD_NOTICE_CANCELLED] = "cancelled",
};

const char *privd_notice_kind_name(enum privd_notice_kind k)
{
	return privd_names_get(kind_names, PRIVD_NOTICE_KIND_COUNT, (int)k);
}

enum privd_rc privd_notice_kind_parse(const char *name, enum privd_notice_kind *out)
{
	int i = privd_names_find(kind_names, PRIVD_NOTICE_KIND_COUNT, name);

	if (i < 0)
		return PRIVD_ERR_INVALID;
	if (out != NULL)
		*out = (enum privd_notice_kind)i;
	return PRIVD_OK;
}

const char *privd_notice_status_name(enum privd_notice_status s)
{
	return privd_names_get(status_names, PRIVD_NOTICE_STATUS_COUNT, (int)s);
}

enum privd_rc privd_notice_status_parse(const char *name, enum privd_notice_status *out)
{
	int i = privd_names_find(status_names, PRIVD_NOTICE_STATUS_COUNT, name);

	if (i < 0)
		return PRIVD_ERR_INVALID;
	if (out != NULL)
		*out = (enum privd_notice_status)i;
	return PRIVD_OK;
}
