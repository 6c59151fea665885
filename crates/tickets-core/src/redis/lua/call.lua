-- call.lua: calls a given waiting ticket to a desk out of order (logged call_ticket),
-- finishing the desk's current ticket first, in one step. With lib.lua, queues.lua and
-- moves.lua.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] desk, ARGV[9] ticket number,
-- ARGV[10..] the office's priority classes: count, then code and weight of each;
-- then the office's services: count, then code and target wait µs (0: none) of each.
-- Returns: JSON {"error": "not_found"} | {"error": "wrong_status", "status": s}
--        | {"finished": {hash}|absent, "called": {hash}, "waiting": n}
check_layout()
local desk, n = ARGV[8], ARGV[9]
number(n, 'ARGV')
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
-- The set of heads of its class, written below, is not one check_layout knows.
check_types(heads_key(class), 'zset')
local wait_us = math.max(0, NOW_US - micros(t.creation_time, ticket_key(n), 'creation_time'))
local prev, has_desk = current_of(desk)
local pt = nil
if prev then
  pt = ticket_table(prev)
  if not pt then
    fail('current ticket ' .. prev .. ' of desk ' .. desk .. ' has no record')
  end
end
local streak, has_streak = streak_of(desk)
local len, heads = waiting_state(2)
local after = heads[1]
if after and tonumber(after) == tonumber(n) then
  after = heads[2]
end
-- The queue first (call_ticket), then the desk's ticket it finishes, whose event comes
-- first.
local called = call_ticket(desk, n, t, t.service_type, class, nil, wait_us, weights[class] or 0,
  targets[t.service_type] or 0, streak, has_desk, has_streak, 'call_ticket', len - 1, after)
local finished = nil
if prev then
  finished = end_ticket(desk, prev, pt, 'completed', true, len, heads[1])
  swap_last_records()
end
commit()
return cjson.encode({finished = finished, called = called, waiting = len - 1})
