-- call_next.lua: finishes the desk's current ticket (if any) and calls the next one under
-- the calling rule (lib.lua: choose), in one step.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] desk, ARGV[9] the desk's priority ratio (0: none),
-- ARGV[10..] the office's priority classes: count, then code and weight of each;
-- then the desk's services in its order: count, then code, max wait µs, target wait µs.
-- Returns: JSON {"finished": {hash}|absent, "called": {hash}|absent, "waiting": n}
check_layout()
local desk, ratio = ARGV[8], tonumber(ARGV[9])
local weights, i = read_weights(10)
local plan = read_plan(i)
-- Read and check everything before the first write.
local prev = current_of(desk)
local streak = streak_of(desk)
local h = choose(desk_heads(registry(), plan, weights), streak, ratio)
local wait_us
if h then
  wait_us = math.max(0, NOW_US - micros(h.taken, 'queues[' .. h.name .. ']'))
end
local finished = nil
if prev then
  finished = end_ticket(desk, prev, 'completed')
end
if not h then
  return cjson.encode({finished = finished, waiting = redis.call('ZCARD', K_WAITING)})
end
local called = call_ticket(desk, h.n, h.name, h.service, wait_us, h.weight, h.target, streak,
  'call_next')
return cjson.encode({finished = finished, called = called,
  waiting = redis.call('ZCARD', K_WAITING)})
