-- finish.lua: finishes the desk's current ticket ('completed') or marks it 'no_show'.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] desk, ARGV[9] the status to give: "completed" | "no_show"
-- Returns: "=" then the ticket's line (ticket_line) | "=" when the desk has no current
-- ticket
local desk, status = ARGV[8], ARGV[9]
if status ~= 'completed' and status ~= 'no_show' then
  return redis.error_reply('ERR finish.lua: unknown status ' .. tostring(status))
end
local n = current_of(desk)
if not n then
  return '='
end
local t = ticket_table(n)
if not t then
  fail('current ticket ' .. n .. ' of desk ' .. desk .. ' has no record')
end
-- The waiting set as the event reports it, read before the first write (which checks
-- its type); then the keys written below that no read above has checked (the desks and
-- the ticket were read; the default desk's current ticket is set or deleted).
local len, heads = waiting_state(1)
check_commit_keys()
if desk == DEFAULT_DESK then
  check_types(K_CURRENT, 'string')
end
t = end_ticket(desk, n, t, status, false, len, heads[1])
keep_waiting(len, heads)
commit()
return '=' .. ticket_line(t)
