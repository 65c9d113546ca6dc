-- SPDX-License-Identifier: AGPL-3.0-or-later
-- register.lua - wrk script that registers a new, unique person with every request (POST /v1/subjects).
--
-- Usage: wrk ... -s bench/register.lua URL -- RUN QUOTA [TOKEN [START]]
--   RUN    0..9, distinct for every wrk run against one data directory (it keeps e-mails and phones unique
--          across runs);
--   QUOTA  responses after which each thread stops sending (0: no limit); wrk itself still runs for its -d;
--   TOKEN  the API key sent as "Authorization: Bearer TOKEN" (or pass -H to wrk instead);
--   START  where each thread's counter starts (0): a second run with the same RUN starts past the first's numbers.
-- E-mail and phone are unique per request: a per-thread counter plus the thread's number and the run. Phones
-- are E.164 Russian mobile numbers, +79<run><thread><7 digits> (+7900xxxxxxx for the first thread of run 0).
-- Each person consents to processing on version "1" of its consent text in Russian, the one `privd init`
-- installs (152-FZ Art. 9 as amended by 156-FZ: a grant names the text shown).
-- done() prints one line "BENCH ..." that bench/run.sh reads: only 201 responses count as registrations, and
-- every other status is listed with its count.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "count.lua")

function init(args)
	run = tonumber(args[1]) or 0
	quota = tonumber(args[2]) or 0
	local token = args[3]
	n = tonumber(args[4]) or 0
	count_init()
	slot = string.format("%02d", (run * 10 + tid - 1) % 100)
	headers = { ["Content-Type"] = "application/json" }
	if token and token ~= "" then
		headers["Authorization"] = "Bearer " .. token
	end
	path = wrk.path
	if path == nil or path == "" or path == "/" then
		path = "/v1/subjects"
	end
end

function request()
	n = n + 1
	local body = string.format(
		'{"name":"Иван Тестов","email":"bench-r%d-t%d-%d@example.com","phone":"+79%s%07d",' ..
		'"ip":"192.0.2.%d","birth_date":"1990-05-17","residence_country":"RU","policy_version":"1",' ..
		'"consents":{"processing":true,"third_party_transfer":false,"cookies":["analytics"],' ..
		'"texts":{"processing":"1"}}}',
		run, tid, n, slot, n, n % 254 + 1)
	return wrk.format("POST", path, headers, body)
end
