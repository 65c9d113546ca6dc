-- SPDX-License-Identifier: AGPL-3.0-or-later
-- ids.lua - the subject ids bench/people.mjs wrote, one a line, for the wrk scripts that work on existing people
-- (consents.lua, checks.lua). Loaded with dofile; read_ids(FILE) returns them as a list, or stops the script.

function read_ids(file)
	local list = {}
	local f = assert(io.open(file, "r"), "cannot open " .. tostring(file))
	for line in f:lines() do
		if line:match("^[0-9a-f]+$") then
			table.insert(list, line)
		end
	end
	f:close()
	assert(#list > 0, "no ids in " .. file)
	return list
end
