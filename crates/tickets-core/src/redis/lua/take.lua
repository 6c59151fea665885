-- take.lua: takes a ticket (or returns the one an idempotency key already got).
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] service, ARGV[9] idempotency key ("" for none)
-- Returns: JSON {"closed": true}
--        | {"ticket": {hash}, "waiting_before": n, "replayed": bool}
check_layout()
local service, idem = ARGV[8], ARGV[9]
if idem ~= '' then
  local known = redis.call('HGET', K_IDEM, idem)
  if known then
    local n = number(known, 'idem[' .. idem .. ']')
    local t = ticket_table(n)
    if not t then
      fail('idempotency key points to missing ticket ' .. n)
    end
    return cjson.encode({ticket = t, waiting_before = position(n) or 0, replayed = true})
  end
end
if redis.call('EXISTS', K_DAY) == 0 then
  return cjson.encode({closed = true})
end
-- The new ticket's key must be free before the counter moves (no partial write).
local last = tonumber(redis.call('GET', K_COUNTER) or 0)
if not last or last < 0 or last ~= math.floor(last) then
  fail('counter holds ' .. tostring(redis.call('GET', K_COUNTER)) .. ', not a count')
end
local next_key = ticket_key(last + 1)
if redis.call('EXISTS', next_key) == 1 then
  fail(next_key .. ' already exists')
end
local n = redis.call('INCR', K_COUNTER)
touch(K_COUNTER)
local key = ticket_key(n)
redis.call('HSET', key, 'ticket_number', n, 'creation_time', NOW, 'service_type', service,
  'status', 'waiting', 'creation_time_iso', NOW_ISO)
touch(key)
local len = redis.call('RPUSH', K_QUEUE, n)
touch(K_QUEUE)
if idem ~= '' then
  redis.call('HSET', K_IDEM, idem, n)
  touch(K_IDEM)
end
record('take_ticket', n)
return cjson.encode({ticket = ticket_table(n), waiting_before = len - 1, replayed = false})
