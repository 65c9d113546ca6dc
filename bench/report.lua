-- SPDX-License-Identifier: AGPL-3.0-or-later
-- report.lua - wrk's figures as one machine-readable line for bench/run.sh.
--
-- Defines done() only: with no request() or response() function, wrk builds the request once and keeps the
-- whole request path in C, so this script does not slow down what it measures. Latencies are microseconds.

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"BENCH requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d " ..
		"p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f\n",
		summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
		latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
