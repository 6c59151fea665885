-- open_day.lua: opens the day; idempotent (no log, no event when already open).
-- KEYS, ARGV 1-7: see lib.lua. No operation arguments.
-- Returns: JSON {"open": true, "changed": bool}
check_layout()
if redis.call('EXISTS', K_DAY) == 1 then
  return cjson.encode({open = true, changed = false})
end
redis.call('SET', K_DAY, DAY, 'EX', TTL)
redis.call('SET', K_COUNTER, 0, 'NX')
touch(K_COUNTER)
record('start_day')
commit()
return cjson.encode({open = true, changed = true})
