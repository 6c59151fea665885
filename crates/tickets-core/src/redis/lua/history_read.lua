-- history_read.lua: the history of a day, as stored. Read-only.
-- KEYS: see lib.lua (those of the day to read; only 19, history, is used).
-- ARGV 1-7: see lib.lua. No operation arguments.
-- Returns: JSON [field, line, field, line, …] ("_closed" included, if set): HGETALL's
-- answer as it is, cheaper to encode, and to decode, than an object built from it.
local flat = redis.call('HGETALL', K_HISTORY)
if #flat == 0 then
  return '[]'
end
return cjson.encode(flat)
