-- SPDX-License-Identifier: AGPL-3.0-or-later
-- cookies.lua - wrk script that records a new visitor's cookie choice with every request (POST /v1/cookie-consents).
--
-- Usage: wrk ... -s bench/cookies.lua URL -- POLICY_VERSION
-- The visitor id is the thread's number and a per-thread counter in hexadecimal, so every request is a new
-- visitor; the categories vary with the counter. done() prints one line "BENCH ..." that bench/run.sh reads: only
-- 201 responses count, and every other status is listed with its count.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "count.lua")

function init(args)
	policy = args[1] or "1"
	n = 0
	count_init()
	headers = { ["Content-Type"] = "application/json" }
	path = wrk.path
	if path == nil or path == "" or path == "/" then
		path = "/v1/cookie-consents"
	end
	local b = math.random(0, 0xffffff)
	prefix = string.format("%02x%06x%08x", tid % 256, b, os.time() % 0x100000000)
end

function request()
	n = n + 1
	local flag = function(bit) return (n % (2 * bit) >= bit) and "true" or "false" end
	local body = string.format(
		'{"visitor_id":"%s%016x","categories":{"preferences":%s,"analytics":%s,"marketing":%s},' ..
		'"policy_version":"%s","gpc":false}', prefix, n, flag(1), flag(2), flag(4), policy)
	return wrk.format("POST", path, headers, body)
end
