-- account_audit_record.lua: appends an entry to the audit log (newest first), keeps at
-- most the number given, and drops from the old end the entries older than the cutoff
-- (at most 1000 a call: reads stop at the cutoff anyway).
-- KEYS: see account_lib.lua.
-- ARGV[1] the line "<at µs> <account|*> <desk|*> <action> <JSON entry>",
-- ARGV[2] the cutoff (µs), ARGV[3] the most entries kept, ARGV[4] the TTL (s)
-- Returns: JSON {}.
local k = key('audit')
redis.call('LPUSH', k, ARGV[1])
redis.call('LTRIM', k, 0, tonumber(ARGV[3]) - 1)
local cutoff = tonumber(ARGV[2])
for _ = 1, 1000 do
  local last = redis.call('LINDEX', k, -1)
  local at = last and tonumber(string.match(last, '^(%-?%d+) '))
  if not at or at >= cutoff then
    break
  end
  redis.call('RPOP', k)
end
redis.call('EXPIRE', k, ARGV[4])
return '{}'
