-- account_audit_record.lua: appends entries to the audit log (newest first: the last line
-- given becomes the first of the list), keeps at most the number given, and drops from the
-- old end the entries older than the cutoff (at most 1000 a call: reads stop at the cutoff
-- anyway).
-- KEYS: see account_lib.lua.
-- ARGV[1] the cutoff (µs), ARGV[2] the most entries kept, ARGV[3] the TTL (s),
-- ARGV[4..] the lines "<at µs> <account|*> <desk|*> <action> <JSON entry>", oldest first
-- Returns: JSON {}.
local k = key('audit')
-- One LPUSH for up to 500 lines (Lua's unpack has a bound); LPUSH puts each line before
-- the previous one, so the last ends first.
for first = 4, #ARGV, 500 do
  redis.call('LPUSH', k, unpack(ARGV, first, math.min(first + 499, #ARGV)))
end
redis.call('LTRIM', k, 0, tonumber(ARGV[2]) - 1)
local cutoff = tonumber(ARGV[1])
for _ = 1, 1000 do
  local last = redis.call('LINDEX', k, -1)
  local at = last and tonumber(string.match(last, '^(%-?%d+) '))
  if not at or at >= cutoff then
    break
  end
  redis.call('RPOP', k)
end
redis.call('EXPIRE', k, ARGV[3])
return '{}'
