-- status.lua: the cheap status as seen from one desk. Read-only.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] desk
-- Returns: JSON {"open": bool, "queue_length": n, "current": n|absent, "next": n|absent,
--                "total": n}
local desk = ARGV[8]
local nxt = redis.call('LINDEX', K_QUEUE, 0)
return cjson.encode({
  open = redis.call('EXISTS', K_DAY) == 1,
  queue_length = redis.call('LLEN', K_QUEUE),
  current = current_of(desk),
  next = nxt and number(nxt, 'queue') or nil,
  total = tonumber(redis.call('GET', K_COUNTER) or '0'),
})
