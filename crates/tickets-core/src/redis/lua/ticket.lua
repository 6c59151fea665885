-- ticket.lua: one ticket with its live position and the day's counters. Read-only.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] ticket number
-- Returns: JSON {} when there is no such ticket
--        | {"ticket": {hash}, "position": n|absent, "stats": {…}, "counter": n,
--           "queue_length": n, "desks": [desk id]}
local n = ARGV[8]
local t = ticket_table(n)
if not t then
  return cjson.encode({})
end
return cjson.encode({
  ticket = t,
  position = t.status == 'waiting' and position(n) or nil,
  stats = stats_table(),
  counter = tonumber(redis.call('GET', K_COUNTER) or '0'),
  queue_length = redis.call('LLEN', K_QUEUE),
  desks = redis.call('HKEYS', K_DESKS),
})
