-- account_fail_get.lua: the failure counters named, as stored.
-- KEYS: see account_lib.lua.
-- ARGV[1…] counter names ("fail:addr:<client>", "fail:user:<username>")
-- Returns: JSON ["<count> <first µs> <last µs>" | "" when absent, …].
local out = {}
for i = 1, #ARGV do
  out[#out + 1] = cjson.encode(redis.call('GET', key(ARGV[i])) or '')
end
return json_array(out)
