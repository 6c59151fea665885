-- call_next.lua: finishes the desk's current ticket (if any) and calls the next one, in
-- one step.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] desk
-- Returns: JSON {"finished": {hash}|absent, "called": {hash}|absent, "waiting": n}
local desk = ARGV[8]
local finished = nil
local prev = current_of(desk)
if prev then
  finished = end_ticket(desk, prev, 'completed')
end
local v = redis.call('LPOP', K_QUEUE)
if not v then
  return cjson.encode({finished = finished, waiting = 0})
end
local n = number(v, 'queue')
local key = ticket_key(n)
local taken = redis.call('HGET', key, 'creation_time')
if not taken then
  fail('waiting ticket ' .. n .. ' has no record')
end
redis.call('HSET', key, 'status', 'in_progress', 'called_time', NOW, 'desk', desk)
touch(key)
redis.call('HINCRBY', K_STATS, 'called', 1)
redis.call('HINCRBY', K_STATS, 'wait_us', math.max(0, NOW_US - micros(taken, key .. ' creation_time')))
set_current(desk, n)
record('call_next', n, desk)
return cjson.encode({finished = finished, called = ticket_table(n),
  waiting = redis.call('LLEN', K_QUEUE)})
