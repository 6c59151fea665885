-- call_next.lua: finishes the desk's current ticket (if any) and calls the next one under
-- the calling rule (desks.lua: choose), in one step. With lib.lua, queues.lua, moves.lua
-- and desks.lua.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] desk, ARGV[9] the desk's priority ratio (0: none),
-- ARGV[10..] the office's priority classes: count, then code and weight of each, by code;
-- then the desk's services: their smallest max wait µs (0: none), their count, their codes
-- in the desk's order, then "<max wait µs> <target wait µs> …" for each in that order.
-- Returns: "=<waiting>|<finished>|<called>": how many still wait, and the lines
-- (ticket_line) of the ticket the desk finished and of the one it called, '' for none.
local desk, ratio = ARGV[8], tonumber(ARGV[9])
local weights, i, place = read_weights(10)
local rank, waits, min_maxw = read_plan(i)
-- Read and check everything before the first write.
local prev, has_desk = current_of(desk)
local streak, has_streak = streak_of(desk)
local h = choose(rank, waits, min_maxw, weights, place, streak, ratio)
local pt, ct, n, size, wait_us
if prev then
  pt = ticket_table(prev)
  if not pt then
    fail('current ticket ' .. prev .. ' of desk ' .. desk .. ' has no record')
  end
end
if h then
  local entry = redis.call('HGET', K_QUEUES, h.name)
  if not entry then
    fail('queue ' .. h.name .. ' has a head but no index entry')
  end
  size, n = parse_entry(h.name, entry)
  ct = ticket_table(n)
  if not ct then
    fail('waiting ticket ' .. n .. ' has no record')
  end
  wait_us = math.max(0, NOW_US - micros(ct.creation_time, ticket_key(n), 'creation_time'))
end
local len, heads = waiting_state(2)
-- The keys written below that no read above has checked (choose reads the classes, the
-- set of heads of the class called, and the head times when a service has a maximum wait,
-- except when a late head is called).
check_commit_keys()
if min_maxw == 0 then
  check_types(K_HEAD_TIMES, 'zset')
elseif h and h.late then
  check_types(heads_key(h.class), 'zset', K_CLASSES, 'hash')
end
if not h then
  local finished = nil
  if prev then
    finished = end_ticket(desk, prev, pt, 'completed', false, len, heads[1])
    keep_waiting(len, heads)
    commit()
  end
  return '=' .. text(len) .. '|' .. (finished and ticket_line(finished) or '') .. '|'
end
-- The queue first (call_ticket), then the desk's ticket it finishes, whose event comes
-- first.
local after = heads[1]
if after == n then
  after = heads[2]
end
local _, target = waits_of(waits, h.rank)
local called = call_ticket(desk, n, ct, h.service, h.class, size, wait_us, h.weight, target,
  streak, has_desk, has_streak, 'call_next', len - 1, after)
local finished = nil
if prev then
  finished = end_ticket(desk, prev, pt, 'completed', true, len, heads[1])
  swap_last_records()
end
if BATCH then
  -- (The ticket called leaves the heads known, when it is among them: mostly the first.)
  for i, head in ipairs(heads) do
    if head == n then
      table.remove(heads, i)
      break
    end
  end
  keep_waiting(len - 1, heads)
end
commit()
return '=' .. text(len - 1) .. '|' .. (finished and ticket_line(finished) or '') .. '|' ..
  ticket_line(called)
