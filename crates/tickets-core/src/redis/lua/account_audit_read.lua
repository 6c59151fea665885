-- account_audit_read.lua: the newest entries matching a filter, from the newest back to
-- the first older than the start of the filter (or the retention's cutoff).
-- KEYS: see account_lib.lua.
-- ARGV[1] the most entries, ARGV[2] the earliest time (µs), ARGV[3] the time before
-- which (µs; "" none), ARGV[4] account, ARGV[5] desk, ARGV[6] action ("" any)
-- Returns: JSON [entry, …], newest first.
local k = key('audit')
local limit, from, before = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local account, desk, action = ARGV[4], ARGV[5], ARGV[6]
local out = {}
local start, chunk = 0, 200
while #out < limit do
  local lines = redis.call('LRANGE', k, start, start + chunk - 1)
  if #lines == 0 then
    break
  end
  for _, line in ipairs(lines) do
    local at, a, d, act, entry = string.match(line, '^(%-?%d+) (%S+) (%S+) (%S+) (.*)$')
    if not at then
      fail(k .. ' holds a line that is not an audit entry')
    end
    at = tonumber(at)
    if at < from then
      return json_array(out)
    end
    if (not before or at < before) and (account == '' or a == account)
        and (desk == '' or d == desk) and (action == '' or act == action) then
      out[#out + 1] = entry
      if #out >= limit then
        break
      end
    end
  end
  start = start + chunk
end
return json_array(out)
