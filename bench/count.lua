-- SPDX-License-Identifier: AGPL-3.0-or-later
-- count.lua - what the wrk scripts that write (register.lua, cookies.lua) share: the threads, the count of 201s
-- and of every other status, an optional quota of answers per thread (the global quota, 0: none), and done(),
-- which prints the one line "BENCH ..." that bench/run.sh reads. Loaded by those scripts with dofile.

local threads = {}
local nthreads = 0

function setup(thread)
	nthreads = nthreads + 1
	thread:set("tid", nthreads)
	table.insert(threads, thread)
end

-- Called by each script's init(): the counters of this thread.
function count_init()
	responses = 0
	created = 0
	statuses = {}
end

function response(status, hdrs, body)
	responses = responses + 1
	if status == 201 then
		created = created + 1
	else
		local k = tostring(status)
		statuses[k] = (statuses[k] or 0) + 1
	end
	if quota ~= nil and quota > 0 and responses >= quota then
		wrk.thread:stop()
	end
end

function done(summary, latency, requests)
	local total_created, total_responses = 0, 0
	local merged = {}
	for _, t in ipairs(threads) do
		total_created = total_created + (t:get("created") or 0)
		total_responses = total_responses + (t:get("responses") or 0)
		local st = t:get("statuses") or {}
		for k, v in pairs(st) do
			merged[k] = (merged[k] or 0) + v
		end
	end
	local other = {}
	for k, v in pairs(merged) do
		table.insert(other, k .. ":" .. v)
	end
	table.sort(other)
	local e = summary.errors
	io.write(string.format(
		"BENCH requests=%d responses=%d created=%d duration_us=%d connect=%d read=%d write=%d timeout=%d " ..
		"p50_us=%.0f p99_us=%.0f max_us=%.0f other=%s\n",
		summary.requests, total_responses, total_created, summary.duration, e.connect, e.read, e.write,
		e.timeout, latency:percentile(50), latency:percentile(99), latency.max,
		#other > 0 and table.concat(other, ",") or "none"))
end
