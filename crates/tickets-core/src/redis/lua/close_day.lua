-- close_day.lua: closes the day (no new tickets; waiting ones stay callable; data stays
-- until it expires); idempotent.
-- KEYS, ARGV 1-7: see lib.lua. No operation arguments.
-- Returns: JSON {"open": false, "changed": bool}
check_layout()
if redis.call('EXISTS', K_DAY) == 0 then
  return cjson.encode({open = false, changed = false})
end
redis.call('DEL', K_DAY)
record('end_day')
commit()
return cjson.encode({open = false, changed = true})
