-- recall.lua: calls the desk's current ticket again (event and log line).
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] desk
-- Returns: JSON {"ticket": {hash}} | {} when the desk has no current ticket
check_layout()
local desk = ARGV[8]
local n = current_of(desk)
if not n then
  return cjson.encode({})
end
local key = ticket_key(n)
if redis.call('EXISTS', key) == 0 then
  fail('current ticket ' .. n .. ' of desk ' .. desk .. ' has no record')
end
redis.call('HINCRBY', key, 'recalls', '1')
local t = ticket_table(n)
record('recall', n, desk, t)
commit()
return cjson.encode({ticket = t})
