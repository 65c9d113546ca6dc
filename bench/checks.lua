-- SPDX-License-Identifier: AGPL-3.0-or-later
-- checks.lua - wrk script for the batch consent check: POST /v1/consent-checks with PAIRS (subject, purpose)
-- pairs a call.
--
-- Usage: wrk ... -s bench/checks.lua URL -- IDS_FILE PAIRS [TOKEN]
-- The bodies are made once per thread in init() (16 of them, each a window of PAIRS ids from IDS_FILE, the
-- purposes in turn) and sent in turn, so the script costs wrk little per request. done() is report.lua's: the
-- requests, their errors (a status of 400 or more counts in non2xx) and the latency percentiles; bench/run.sh
-- multiplies the requests by PAIRS.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")
dofile(here .. "ids.lua")

local purposes = { "processing", "third_party_transfer", "cookies.preferences", "cookies.analytics",
	"cookies.marketing" }

function init(args)
	local ids = read_ids(args[1])
	local pairs_n = tonumber(args[2]) or 100
	local headers = { ["Content-Type"] = "application/json" }
	if args[3] and args[3] ~= "" then
		headers["Authorization"] = "Bearer " .. args[3]
	end
	reqs = {}
	for b = 0, 15 do
		local items = {}
		for i = 1, pairs_n do
			local k = b * pairs_n + i
			table.insert(items, string.format('{"subject_id":"%s","purpose":"%s"}', ids[k % #ids + 1],
				purposes[k % #purposes + 1]))
		end
		table.insert(reqs, wrk.format("POST", "/v1/consent-checks", headers,
			'{"checks":[' .. table.concat(items, ",") .. ']}'))
	end
	i = 0
end

function request()
	i = i % #reqs + 1
	return reqs[i]
end
