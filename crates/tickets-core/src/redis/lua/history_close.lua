-- history_close.lua: closes the history of a day that is over: its tickets still waiting
-- or at a desk become unserved, once (the "_closed" field says it was done; closing a
-- closed day changes nothing, so servers racing to close a day do it once between them).
-- A day without history is left without one. Writes no log line and sends no event.
-- KEYS: see lib.lua (those of the day to close; only 19, history, is used).
-- ARGV 1-7: see lib.lua (ARGV[1], ARGV[2]: the time of closing). No operation arguments.
-- Returns: JSON {"already": bool, "found": bool, "unserved": n}
if redis.call('HEXISTS', K_HISTORY, '_closed') == 1 then
  return cjson.encode({already = true, found = true, unserved = 0})
end
if redis.call('EXISTS', K_HISTORY) == 0 then
  return cjson.encode({already = false, found = false, unserved = 0})
end
local unserved = history_unserved()
redis.call('HSET', K_HISTORY, '_closed', NOW)
return cjson.encode({already = false, found = true, unserved = unserved})
