-- ticket.lua: one ticket with how many will be called before it and the day's counters.
-- Read-only.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] ticket number,
-- ARGV[9..] the office's priority classes: count, then code and weight of each.
-- Returns: JSON {} when there is no such ticket
--        | {"ticket": {hash}, "position": n|absent, "stats": {…}, "counter": n,
--           "queue_length": n, "desks": [desk id]}
local n = number(ARGV[8], 'ARGV')
local weights = read_weights(9)
local t = ticket_table(n)
if not t then
  return cjson.encode({})
end
return cjson.encode({
  ticket = t,
  position = ahead_of(n, t, weights),
  stats = stats_table(),
  counter = count(redis.call('GET', K_COUNTER), 'counter'),
  queue_length = redis.call('ZCARD', K_WAITING),
  desks = redis.call('HKEYS', K_DESKS),
})
