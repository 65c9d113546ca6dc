/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * metrics.c - GET /metrics in the Prometheus text format: requests by route, method and status, a latency
 * histogram per route, the service's counters (commits, write jobs, consent cache, registrations, localisation
 * warnings), the numbers of overdue rights requests and of those with an estimated due date, and the delivery of
 * notifications (sent, failed, retried, the queue, whether each channel is configured).
 *
 * Every request records itself, the consent check included at tens of thousands per second, so recording is a
 * few relaxed atomic increments into fixed slots indexed by route pattern, method and status: no lock, no
 * allocation, no label strings on the hot path. Labels are route patterns, never raw URLs.
 */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Enough for the routes of this table (checked at record time; the rest count as unmatched). */
#define NPATHS 32
#define NBUCKETS 13

static const unsigned status_codes[] = {200, 201, 202, 204, 400, 401, 403, 404, 405,
                                        408, 409, 410, 413, 415, 422, 500, 501, 503};
#define NCODES (sizeof(status_codes) / sizeof(status_codes[0]))
#define NSLOTS (NCODES + 5) /* then one per class 1xx..5xx for anything else */

static const double bucket_le[NBUCKETS] = {.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 1e300};
static const uint64_t bucket_ns[NBUCKETS] = {500000ull,     1000000ull,    2500000ull,   5000000ull,   10000000ull,
                                             25000000ull,   50000000ull,   100000000ull, 250000000ull, 500000000ull,
                                             1000000000ull, 2500000000ull, UINT64_MAX};

static atomic_ullong requests[NPATHS + 1][PRIVD_HTTP_METHOD_COUNT][NSLOTS];
static atomic_ullong buckets[NPATHS + 1][NBUCKETS]; /* not cumulative; summed when rendered */
static atomic_ullong sum_ns[NPATHS + 1];

static unsigned status_slot(unsigned status)
{
	unsigned i;

	for (i = 0; i < NCODES; i++)
		if (status_codes[i] == status)
			return i;
	if (status >= 100 && status < 600)
		return NCODES + status / 100 - 1;
	return NCODES + 4;
}

void privd_http_metrics_record(unsigned path_idx, enum privd_http_method m, unsigned status, uint64_t dur_ns)
{
	unsigned p = path_idx < privd_http_path_count() && path_idx < NPATHS ? path_idx : NPATHS;
	unsigned b = 0;

	if (m >= PRIVD_HTTP_METHOD_COUNT)
		m = PRIVD_HTTP_OTHER;
	while (b < NBUCKETS - 1 && dur_ns > bucket_ns[b])
		b++;
	atomic_fetch_add_explicit(&requests[p][m][status_slot(status)], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&buckets[p][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sum_ns[p], dur_ns, memory_order_relaxed);
}

static const char *path_label(unsigned p)
{
	return p < NPATHS ? privd_http_path_name(p) : "unmatched";
}

static void status_label(unsigned slot, char *out, size_t outlen)
{
	if (slot < NCODES)
		snprintf(out, outlen, "%u", status_codes[slot]);
	else
		snprintf(out, outlen, "%uxx", slot - (unsigned)NCODES + 1);
}

static void render_http(struct privd_http_text *t)
{
	unsigned npaths = privd_http_path_count() < NPATHS ? privd_http_path_count() : NPATHS;
	unsigned p, m, s, b;
	char sl[16]; /* "4294967295xx" */

	privd_http_text_printf(t,
	                       "# HELP privd_http_requests_total HTTP requests by route pattern, method and status.\n"
	                       "# TYPE privd_http_requests_total counter\n");
	for (p = 0; p <= NPATHS; p++) {
		if (p >= npaths && p != NPATHS)
			continue;
		for (m = 0; m < PRIVD_HTTP_METHOD_COUNT; m++) {
			for (s = 0; s < NSLOTS; s++) {
				unsigned long long v = atomic_load_explicit(&requests[p][m][s], memory_order_relaxed);

				if (v == 0)
					continue;
				status_label(s, sl, sizeof(sl));
				privd_http_text_printf(
				    t, "privd_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} %llu\n",
				    path_label(p), privd_http_method_name((enum privd_http_method)m), sl, v);
			}
		}
	}
	privd_http_text_printf(t, "# HELP privd_http_request_duration_seconds HTTP request latency by route pattern.\n"
	                          "# TYPE privd_http_request_duration_seconds histogram\n");
	for (p = 0; p <= NPATHS; p++) {
		unsigned long long cum = 0, v[NBUCKETS];

		if (p >= npaths && p != NPATHS)
			continue;
		for (b = 0; b < NBUCKETS; b++) {
			v[b] = atomic_load_explicit(&buckets[p][b], memory_order_relaxed);
			cum += v[b];
		}
		if (cum == 0)
			continue;
		cum = 0;
		for (b = 0; b < NBUCKETS; b++) {
			cum += v[b];
			if (b == NBUCKETS - 1)
				privd_http_text_printf(
				    t, "privd_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
				    path_label(p), cum);
			else
				privd_http_text_printf(
				    t, "privd_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
				    path_label(p), bucket_le[b], cum);
		}
		privd_http_text_printf(t, "privd_http_request_duration_seconds_sum{route=\"%s\"} %.9f\n", path_label(p),
		                       (double)atomic_load_explicit(&sum_ns[p], memory_order_relaxed) / 1e9);
		privd_http_text_printf(t, "privd_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
		                       path_label(p), cum);
	}
}

static void counter(struct privd_http_text *t, const char *name, const char *help, unsigned long long v)
{
	privd_http_text_printf(t, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name, v);
}

static void gauge(struct privd_http_text *t, const char *name, const char *help, unsigned long long v)
{
	privd_http_text_printf(t, "# HELP %s %s\n# TYPE %s gauge\n%s %llu\n", name, help, name, name, v);
}

/* What the HTTP layer's guard counted: connections closed and requests refused. */
static void render_guard(struct privd_http_text *t, struct privd_http_req *r)
{
	counter(t, "privd_http_timeouts_total",
	        "Connections closed because a request's line and headers, or the whole request, were not sent in time.",
	        atomic_load(&r->h->guard.timed_out));
	privd_http_text_printf(t,
	                       "# HELP privd_http_connections_closed_total Connections closed, by the cause: the "
	                       "client, a deadline of the server's, a refusal that closes, the library's idle "
	                       "timeout, an error, or a stop.\n# TYPE privd_http_connections_closed_total counter\n");
	for (unsigned i = 0; i < PRIVD_HTTP_CLOSE_COUNT; i++)
		privd_http_text_printf(t, "privd_http_connections_closed_total{reason=\"%s\"} %llu\n",
		                       privd_http_guard_close_name(i), atomic_load(&r->h->guard.closed[i]));
	counter(t, "privd_http_framing_refused_total",
	        "Requests refused for their framing: a NUL byte, a folded header, duplicate or conflicting lengths, a "
	        "transfer coding other than chunked.",
	        atomic_load(&r->h->guard.refused_framing));
	counter(t, "privd_http_body_memory_refused_total",
	        "Request bodies refused with 503 because the bodies in flight filled [server] body_memory.",
	        atomic_load(&r->h->guard.refused_memory));
	gauge(t, "privd_http_body_memory_bytes", "Bytes of request bodies held in memory now.",
	      atomic_load(&r->h->guard.body_bytes));
}

void privd_http_metrics(struct privd_http_req *r)
{
	struct privd_service_stats st = {0};
	struct privd_http_text t = {0};
	size_t len;
	char *body;

	render_http(&t);
	render_guard(&t, r);
	privd_service_stats(r->h->svc, &st);
	counter(&t, "privd_db_commits_total", "Database transactions committed by the writer.", st.commits);
	counter(&t, "privd_write_jobs_total", "Write jobs run by the writer.", st.write_jobs);
	counter(&t, "privd_write_jobs_failed_total", "Write jobs that failed.", st.write_failed);
	counter(&t, "privd_consent_cache_hits_total", "Consent checks answered from the cache.", st.cache_hits);
	counter(&t, "privd_consent_cache_misses_total", "Consent checks that had to load state.", st.cache_misses);
	counter(&t, "privd_subjects_registered_total", "Subjects registered by this process.", st.subjects_registered);
	counter(&t, "privd_key_reserve_taken_total",
	        "Registrations whose data key was committed to the keystore ahead of them, under load.",
	        st.keys_reserved_taken);
	counter(&t, "privd_apikey_lookups_total", "API keys looked up in the database (not known in memory).",
	        st.apikey_lookups);
	counter(&t, "privd_apikey_unknown_cached_total",
	        "Requests with an unknown API key answered from memory (seen unknown within 5 seconds).",
	        st.apikey_misses_cached);
	gauge(&t, "privd_requests_overdue", "Open rights requests past their due date, counted every 10 seconds.",
	      st.requests_overdue);
	gauge(&t, "privd_requests_due_estimated",
	      "Open rights requests whose due date is estimated (a year counted through has no published calendar), "
	      "counted every 10 seconds.",
	      st.requests_due_estimated);
	counter(
	    &t, "privd_localisation_warnings_total",
	    "People residing in RU recorded on a server outside Russia (152-FZ Art. 18 p.5, ru_localisation = warn).",
	    st.localisation_warnings);
	counter(&t, "privd_notifications_sent_total", "Notifications this process delivered.", st.notifications_sent);
	counter(&t, "privd_notifications_failed_total", "Notifications this process gave up on (status failed).",
	        st.notifications_failed);
	counter(&t, "privd_notifications_retried_total", "Delivery attempts that failed and were put off for a retry.",
	        st.notifications_retried);
	gauge(&t, "privd_notifications_queued", "Notifications waiting in the outbox, counted every 2 seconds.",
	      st.notifications_queued);
	counter(&t, "privd_transfer_batches_sent_total", "Deliveries of transfers a recipient took.",
	        st.transfer_batches_sent);
	counter(&t, "privd_transfer_batches_failed_total", "Deliveries of transfers given up on.",
	        st.transfer_batches_failed);
	counter(&t, "privd_transfer_batches_retried_total", "Delivery attempts of transfers put off for a retry.",
	        st.transfer_batches_retried);
	gauge(&t, "privd_transfer_batches_queued", "Deliveries of transfers waiting, counted every 2 seconds.",
	      st.transfer_batches_queued);
	counter(&t, "privd_transfer_subjects_delivered_total", "People whose data a recipient took.",
	        st.transfer_subjects_delivered);
	counter(&t, "privd_transfer_subjects_refused_total", "People refused when their delivery was sent.",
	        st.transfer_subjects_refused);
	privd_http_text_printf(
	    &t,
	    "# HELP privd_delivery_configured Whether a channel can deliver (1) or its notifications "
	    "stay queued (0).\n# TYPE privd_delivery_configured gauge\n"
	    "privd_delivery_configured{channel=\"email\"} %d\n"
	    "privd_delivery_configured{channel=\"sms\"} %d\n",
	    st.email_configured ? 1 : 0, st.sms_configured ? 1 : 0);
	body = privd_http_text_take(&t, &len);
	if (body == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		return;
	}
	privd_http_reply_owned(r, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len);
}
