-- take.lua: takes a ticket for a service (or returns the one an idempotency key already
-- got), numbered within its service.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] service, ARGV[9] idempotency key ("" for none),
-- ARGV[10] "refused" when the office refuses this take (unknown or closed service,
--          priority not offered: checked in Rust), "" otherwise; an idempotency key
--          already known still gets its ticket,
-- ARGV[11] the service's label prefix, ARGV[12] its daily limit (0: none),
-- ARGV[13] the priority class asked ("" for none),
-- ARGV[14..] the office's priority classes: count, then code and weight of each.
-- Returns: JSON {"refused": true} | {"closed": true} | {"limit": true}
--        | {"ticket": {hash}, "waiting_before": n, "replayed": bool}
check_layout()
local service, idem, refused, prefix = ARGV[8], ARGV[9], ARGV[10], ARGV[11]
local limit, priority = tonumber(ARGV[12]), ARGV[13]
local weights = read_weights(14)
if idem ~= '' then
  local known = redis.call('HGET', K_IDEM, idem)
  if known then
    local n = number(known, 'idem[' .. idem .. ']')
    local t = ticket_table(n)
    if not t then
      fail('idempotency key points to missing ticket ' .. n)
    end
    return cjson.encode({ticket = t, waiting_before = ahead_of(n, t, weights) or 0,
      replayed = true})
  end
end
if refused ~= '' then
  return cjson.encode({refused = true})
end
if redis.call('EXISTS', K_DAY) == 0 then
  return cjson.encode({closed = true})
end
local given = count(redis.call('HGET', K_NUMBERS, service), 'numbers[' .. service .. ']')
if limit > 0 and given >= limit then
  return cjson.encode({limit = true})
end
-- The new ticket's key must be free before the counter moves (no partial write).
local last = count(redis.call('GET', K_COUNTER), 'counter')
local n = last + 1
local key = ticket_key(n)
if redis.call('EXISTS', key) == 1 then
  fail(key .. ' already exists')
end
-- The first write goes to the queue, the one key check_layout cannot know in advance:
-- foreign data there fails the take (WRONGTYPE) before anything is written.
local name = queue_name(service, priority)
redis.call('ZADD', K_QUEUE .. name, n, member(n))
touch(K_QUEUE .. name)
redis.call('SET', K_COUNTER, n, 'EX', TTL)
redis.call('HSET', K_NUMBERS, service, given + 1)
touch(K_NUMBERS)
local label = tostring(given + 1)
if prefix ~= '' then
  label = prefix .. string.format('%03d', given + 1)
end
local t = {ticket_number = tostring(n), creation_time = NOW, service_type = service,
  status = 'waiting', creation_time_iso = NOW_ISO, label = label}
if priority ~= '' then
  t.priority = priority
  redis.call('HSET', key, 'ticket_number', n, 'creation_time', NOW, 'service_type', service,
    'status', 'waiting', 'creation_time_iso', NOW_ISO, 'label', label, 'priority', priority)
else
  redis.call('HSET', key, 'ticket_number', n, 'creation_time', NOW, 'service_type', service,
    'status', 'waiting', 'creation_time_iso', NOW_ISO, 'label', label)
end
touch(key)
redis.call('ZADD', K_WAITING, n, n)
touch(K_WAITING)
-- A new ticket goes after every ticket of its queue: it is the head only of an empty one.
redis.call('HSETNX', K_QUEUES, name, n .. ' ' .. n .. ' ' .. NOW)
touch(K_QUEUES)
if idem ~= '' then
  redis.call('HSET', K_IDEM, idem, n)
  touch(K_IDEM)
end
local ahead = ahead_of(n, t, weights)
record('take_ticket', n, nil, t)
return cjson.encode({ticket = t, waiting_before = ahead, replayed = false})
