-- history_read.lua: the history of a day, as stored. Read-only.
-- KEYS: see lib.lua (those of the day to read; only 19, history, is used).
-- ARGV 1-7: see lib.lua. No operation arguments.
-- Returns: JSON {field: line} ("_closed" included, if set)
local flat = redis.call('HGETALL', K_HISTORY)
local t = {}
for i = 1, #flat, 2 do
  t[flat[i]] = flat[i + 1]
end
return cjson.encode(t)
