-- waiting.lua: how many tickets wait for each service that has any, over all its queues
-- (read before a configuration change, which may not remove such a service). Read-only.
-- KEYS, ARGV 1-7: see lib.lua. No operation arguments.
-- Returns: JSON {service: n}
local out = {}
for _, name in ipairs(redis.call('HKEYS', K_QUEUES)) do
  local service = split_name(name)
  out[service] = (out[service] or 0) + redis.call('ZCARD', K_QUEUE .. name)
end
return cjson.encode(out)
