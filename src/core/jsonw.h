/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * jsonw.h - a small writer of JSON objects into a caller's fixed buffer, and the JSON string escaping it uses.
 *
 * Audit details are short JSON objects (which fields were read, a status, a type, a count) built on the request
 * path, often inside the writer's transaction: no allocation, no library, and every string escaped, so that a
 * value can never close its string early and turn into members of its own. The writer notes what did not fit
 * instead of cutting the text in the middle of a token: the caller learns it at the end and still holds valid
 * JSON. The audit chain hashes the text it gets, so the writer's output is fixed: compact, members in the order
 * written, integers in decimal.
 */
#ifndef PRIVD_CORE_JSONW_H
#define PRIVD_CORE_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rc.h"

#define PRIVD_JSONW_DEPTH 8 /* objects open at once, the outer one included */

/* A writer; its members are its own (read none of them). */
struct privd_jsonw {
	char *buf;
	size_t cap, len;
	unsigned depth;      /* objects open */
	unsigned has_member; /* bit d: the object at depth d has a member already */
	bool over;           /* something did not fit */
};

/* Starts an object in buf (cap bytes, NUL-terminated all along). Cannot fail: what does not fit is noted and
 * reported by privd_jsonw_end. */
void privd_jsonw_init(struct privd_jsonw *w, char *buf, size_t cap);

/* Adds "key":value to the innermost open object. A NULL val is written as null. Cannot fail (as above). */
void privd_jsonw_str(struct privd_jsonw *w, const char *key, const char *val);
void privd_jsonw_int(struct privd_jsonw *w, const char *key, int64_t val);
void privd_jsonw_bool(struct privd_jsonw *w, const char *key, bool val);
/* "key":["v0","v1",...]: n strings (field names, say); n may be 0. */
void privd_jsonw_strs(struct privd_jsonw *w, const char *key, const char *const *vals, size_t n);
/* "key":json, json being a JSON value already (copied as it is; the caller vouches for it). */
void privd_jsonw_raw(struct privd_jsonw *w, const char *key, const char *json);

/* Opens an object as the value of key, to be closed by privd_jsonw_close; more than PRIVD_JSONW_DEPTH open at
 * once is noted as not fitting. */
void privd_jsonw_object(struct privd_jsonw *w, const char *key);
void privd_jsonw_close(struct privd_jsonw *w);

/* Closes every open object. PRIVD_OK with the text in buf; PRIVD_ERR_TOO_LARGE when anything did not fit, and buf
 * then holds {} (when cap is at least 3), so it is valid JSON either way. */
enum privd_rc privd_jsonw_end(struct privd_jsonw *w);

/* Escapes s (NULL as "") as the inside of a JSON string into out, always NUL-terminated when outlen > 0, cut at a
 * whole escape to fit. Returns the length the whole escaped text needs, without the NUL, as snprintf does: it did
 * not fit when that is >= outlen. */
size_t privd_json_escape(const char *s, char *out, size_t outlen);

#endif
