/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * send.h - what a transport (SMTP, the SMS gateway) says about one message it tried to send.
 *
 * Delivery decides from this alone whether to mark a notice sent, try it again later or give up, and it stores
 * the error text as the notice's last_error, which operators read: so the text names what failed in the terms of
 * the protocol (an SMTP reply code, an HTTP status, curl's class of error) and never anything of the message,
 * least of all the address it was going to.
 */
#ifndef PRIVD_NOTIFY_SEND_H
#define PRIVD_NOTIFY_SEND_H

enum privd_send_outcome {
	PRIVD_SEND_OK = 0,    /* accepted by the server or gateway */
	PRIVD_SEND_RETRY,     /* failed for now: a 4xx SMTP reply, a 5xx HTTP status, no connection, a timeout */
	PRIVD_SEND_PERMANENT, /* refused for good: a 5xx SMTP reply, a 4xx HTTP status (but 408 and 429) */
};

struct privd_send_result {
	enum privd_send_outcome outcome;
	char error[128]; /* "" on PRIVD_SEND_OK; otherwise e.g. "smtp 451 after RCPT", never PII */
};

#endif
