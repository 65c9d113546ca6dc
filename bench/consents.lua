-- SPDX-License-Identifier: AGPL-3.0-or-later
-- consents.lua - wrk script that records a consent change for an existing person with every request
-- (POST /v1/subjects/{id}/consents).
--
-- Usage: wrk ... -s bench/consents.lua URL -- IDS_FILE [TOKEN]
--   IDS_FILE  the people's ids, one a line (bench/people.mjs);
--   TOKEN     the API key sent as "Authorization: Bearer TOKEN".
-- Each thread walks the people from its own starting point; every request grants or withdraws one cookie category
-- (cookies.analytics, then cookies.marketing, granted and withdrawn in turn) with an IP, the evidence a grant must
-- carry, so each is a durable write of a new record with its IP sealed under the person's key. done() prints the
-- one line "BENCH ..." that bench/run.sh reads: only 201 answers count (count.lua).

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "count.lua")
dofile(here .. "ids.lua")

function init(args)
	ids = read_ids(args[1])
	count_init()
	headers = { ["Content-Type"] = "application/json" }
	if args[2] and args[2] ~= "" then
		headers["Authorization"] = "Bearer " .. args[2]
	end
	n = (tid - 1) * 7919
end

function request()
	n = n + 1
	local id = ids[n % #ids + 1]
	local round = math.floor(n / #ids)
	local purpose = (round % 2 == 0) and "cookies.analytics" or "cookies.marketing"
	local granted = (math.floor(round / 2) % 2 == 0) and "true" or "false"
	local body = string.format('{"purpose":"%s","granted":%s,"ip":"192.0.2.%d","source":"api"}', purpose, granted,
		n % 254 + 1)
	return wrk.format("POST", "/v1/subjects/" .. id .. "/consents", headers, body)
end
