-- waiting.lua: how many tickets wait for each service that has any, over all its queues
-- (read before a configuration change, which may not remove such a service). Read-only.
-- KEYS, ARGV 1-7: see lib.lua. No operation arguments.
-- Returns: JSON {service: n}
local out = {}
local flat = registry()
for i = 1, #flat, 2 do
  local service = split_name(flat[i])
  local size = entry_size(flat[i], flat[i + 1])
  out[service] = (out[service] or 0) + size
end
return cjson.encode(out)
