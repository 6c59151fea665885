-- call.lua: calls a given waiting ticket to a desk out of order (logged call_ticket),
-- finishing the desk's current ticket first, in one step.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] desk, ARGV[9] ticket number,
-- ARGV[10..] the office's priority classes: count, then code and weight of each;
-- then the office's services: count, then code and target wait µs (0: none) of each.
-- Returns: JSON {"error": "not_found"} | {"error": "wrong_status", "status": s}
--        | {"finished": {hash}|absent, "called": {hash}, "waiting": n}
check_layout()
local desk, n = ARGV[8], number(ARGV[9], 'ARGV')
local weights, i = read_weights(10)
local targets = {}
for j = 1, tonumber(ARGV[i]) do
  targets[ARGV[i + 2 * j - 1]] = tonumber(ARGV[i + 2 * j])
end
local t = ticket_table(n)
if not t then
  return refuse('not_found')
end
if t.status ~= 'waiting' then
  return refuse('wrong_status', t)
end
local class = class_of(t)
local wait_us = math.max(0, NOW_US - micros(t.creation_time, ticket_key(n) .. ' creation_time'))
local prev = current_of(desk)
local streak = streak_of(desk)
local finished = nil
if prev then
  finished = end_ticket(desk, prev, 'completed')
end
local called = call_ticket(desk, n, queue_name(t.service_type, class), t.service_type, wait_us,
  weights[class] or 0, targets[t.service_type] or 0, streak, 'call_ticket')
return cjson.encode({finished = finished, called = called,
  waiting = redis.call('ZCARD', K_WAITING)})
