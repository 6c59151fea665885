-- config_put.lua: replaces the office configuration if the stored one is at the version
-- expected, and announces it on the event channel. Runs alone (no lib.lua): see
-- config_get.lua.
-- KEYS[1] <prefix>:config   STRING  the configuration as JSON, with its version; no TTL
-- ARGV[1] the version that must be stored now (0: none stored),
-- ARGV[2] the new document (JSON, its version one more than ARGV[1]),
-- ARGV[3] the pub/sub channel of events.
-- Returns: JSON {"stored": true} | {"current": v} when another version is stored.
local stored = redis.call('GET', KEYS[1])
local version = 0
if stored then
  local ok, doc = pcall(cjson.decode, stored)
  if not ok or type(doc) ~= 'table' or type(doc.version) ~= 'number' then
    return redis.error_reply('CORRUPT ' .. KEYS[1] .. ' is not an office configuration')
  end
  version = doc.version
end
if version ~= tonumber(ARGV[1]) then
  return cjson.encode({current = version})
end
redis.call('SET', KEYS[1], ARGV[2])
-- Listeners tell it from a queue event by its one field, "config".
redis.call('PUBLISH', ARGV[3], '{"config":' .. ARGV[2] .. '}')
return cjson.encode({stored = true})
