/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * incident.h - the words of the notice a person receives after a breach of their data (internal to notify/).
 *
 * texts.c dispatches on the notice's kind; these are its texts for the incident kind, each snprintf-style (at most
 * cap bytes written, always NUL-terminated when cap > 0, the length needed returned; -1 for a language outside
 * its enum), so that texts.c measures and writes them as it does every other notice's.
 */
#ifndef PRIVD_NOTIFY_INCIDENT_H
#define PRIVD_NOTIFY_INCIDENT_H

#include <stddef.h>

#include "notify.h"

/* The subject line. */
int privd_notify_incident_subject(const struct privd_notice_vars *v, enum privd_notify_lang lang, char *out,
                                  size_t cap);
/* The e-mail's text: what happened, which of the person's data, what they can do, the incident's number; the
 * operator's name and contact close it as every notice's do. Line breaks between paragraphs. */
int privd_notify_incident_body(const struct privd_notice_vars *v, enum privd_notify_lang lang, char *out, size_t cap);
/* The SMS: the same in one paragraph, the description's line breaks as spaces, the advice cut to one sentence. */
int privd_notify_incident_sms(const struct privd_notice_vars *v, enum privd_notify_lang lang, char *out, size_t cap);

#endif
