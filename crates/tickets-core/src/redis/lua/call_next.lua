-- call_next.lua: finishes the desk's current ticket (if any) and calls the next one, in
-- one step.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] desk
-- Returns: JSON {"finished": {hash}|absent, "called": {hash}|absent, "waiting": n}
check_layout()
local desk = ARGV[8]
-- Read and check everything before the first write.
local prev = current_of(desk)
local head = redis.call('LINDEX', K_QUEUE, 0)
local n, key, wait_us
if head then
  n = number(head, 'queue')
  key = ticket_key(n)
  local taken = redis.call('HGET', key, 'creation_time')
  if not taken then
    fail('waiting ticket ' .. n .. ' has no record')
  end
  wait_us = math.max(0, NOW_US - micros(taken, key .. ' creation_time'))
end
local finished = nil
if prev then
  finished = end_ticket(desk, prev, 'completed')
end
if not head then
  return cjson.encode({finished = finished, waiting = 0})
end
redis.call('LPOP', K_QUEUE)
redis.call('HSET', key, 'status', 'in_progress', 'called_time', NOW, 'desk', desk)
touch(key)
redis.call('HINCRBY', K_STATS, 'called', 1)
redis.call('HINCRBY', K_STATS, 'wait_us', wait_us)
set_current(desk, n)
record('call_next', n, desk)
return cjson.encode({finished = finished, called = ticket_table(n),
  waiting = redis.call('LLEN', K_QUEUE)})
