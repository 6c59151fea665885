-- take.lua: takes a ticket for a service (or returns the one an idempotency key already
-- got), numbered within its service. With lib.lua and queues.lua.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] service, ARGV[9] idempotency key ("" for none),
-- ARGV[10] "refused" when the office refuses this take (unknown or closed service,
--          priority not offered: checked in Rust), "" otherwise; an idempotency key
--          already known still gets its ticket,
-- ARGV[11] the service's label prefix, ARGV[12] its daily limit (0: none),
-- ARGV[13] the priority class asked ("" for none),
-- ARGV[14] the client for the per-client limit ("" for none), ARGV[15] its tickets per
--          window, ARGV[16] the window in seconds,
-- ARGV[17] the cap on waiting tickets (0: none), ARGV[18] the idempotency window in seconds,
-- ARGV[19] when a key taken now stops counting (µs), ARGV[20] when a window of the client's
--          that starts now ends (µs; 0 without a client),
-- ARGV[21..] the office's priority classes: count, then code and weight of each, by code.
-- Returns: JSON {"refused": true} | {"closed": true} | {"limit": true} | {"full": true}
--        | {"client_limit": true, "retry_after_us": n}
--        | {"ticket": {hash}, "waiting_before": n, "replayed": true} (a key's ticket)
--        | "=<number> <waiting before> <label>" (a new ticket; see the end)
-- Windows are judged by ARGV[1] (the caller's clock), the TTLs only clean up.
-- (Numbers are read from their text only where they are used: each costs a strtod.)
local service, idem, refused, prefix = ARGV[8], ARGV[9], ARGV[10], ARGV[11]
local limit, priority, client, max_waiting = ARGV[12], ARGV[13], ARGV[14], ARGV[17]
local weights = read_weights(21)
-- A key still in its window whose ticket is the one it named (not a ticket of the same
-- number made after a reset) gives that ticket back.
local idem_key = idem ~= '' and K_IDEM .. idem
if idem_key then
  local known = redis.call('GET', idem_key)
  if known then
    local n, created, until_us = string.match(known, '^(%d+) (%S+) (%d+)$')
    if not n then
      fail('idem:' .. idem .. ' holds ' .. known)
    end
    local t = tonumber(until_us) > NOW_US and ticket_table(n)
    if t and t.creation_time == created then
      return cjson.encode({ticket = t, waiting_before = ahead_of(n, t, weights) or 0,
        replayed = true})
    end
  end
end
if refused ~= '' then
  return cjson.encode({refused = true})
end
if not (BATCH and BATCH.open) then
  if redis.call('EXISTS', K_DAY) == 0 then
    return cjson.encode({closed = true})
  end
  if BATCH then
    BATCH.open = true
  end
end
local given = BATCH and BATCH.numbers[service]
if not given then
  given = count(redis.call('HGET', K_NUMBERS, service), 'numbers', service)
end
if limit ~= '0' and given >= tonumber(limit) then
  return cjson.encode({limit = true})
end
-- The client's counter: "<taken> <window end, µs>"; a window that ended counts nothing.
local client_key, client_taken, window_end, client_count = nil, 0, 0, 0
if client ~= '' then
  client_count = tonumber(ARGV[15])
  client_key = K_LIMIT .. client
  local held = redis.call('GET', client_key)
  if held then
    local taken, ends = string.match(held, '^(%d+) (%d+)$')
    if not taken then
      fail(client_key .. ' holds ' .. held)
    end
    if tonumber(ends) > NOW_US then
      client_taken, window_end = tonumber(taken), tonumber(ends)
    end
  end
end
-- The new ticket's key must be free before the counter moves.
-- (In a batch after its first take, the counter as the takes before left it: no text to
-- read again.)
local last, counter_read = BATCH and BATCH.counter, nil
if not last then
  counter_read = redis.call('GET', K_COUNTER)
  last = count(counter_read, 'counter')
end
local n = text(last + 1)
local key = ticket_key(n)
if redis.call('EXISTS', key) == 1 then
  fail(key .. ' already exists')
end
-- Where it stands: after everyone in its queue, and after the heavier classes of its
-- service (a new ticket is always the last of its queue).
local name = queue_name(service, priority)
-- (In a batch, the entry as its takes keep it: {size, the rest of the entry's text}.)
local kept = BATCH and BATCH.entries[name]
local entry = kept or redis.call('HGET', K_QUEUES, name)
local size = 0
if kept then
  size = kept[1]
elseif entry then
  local sp
  size, sp = entry_size(name, entry)
  if BATCH then
    kept = {size, string.sub(entry, sp)}
  end
end
local ahead = size + heavier(service, weights[priority] or 0, weights)
local len, heads = waiting_state(1)
if max_waiting ~= '0' and len >= tonumber(max_waiting) then
  return cjson.encode({full = true})
end
if client_key and client_taken >= client_count then
  return cjson.encode({client_limit = true, retry_after_us = window_end - NOW_US})
end
local head_set = heads_key(priority)
check_commit_keys()
if not entry then
  check_types(head_set, 'zset', K_HEAD_TIMES, 'zset', K_CLASSES, 'hash')
end
-- The queue is the first write: foreign data there fails the take (WRONGTYPE) before
-- anything is written; every other key written was read or checked above. The TTL goes on
-- the keys this take may create (see touch).
redis.call('ZADD', K_QUEUE .. name, n, member(n))
-- The counter and the service's number: in a batch, written once at its end (flush_takes,
-- and the day's counters at commit).
local own
if BATCH then
  own = given + 1
  BATCH.counter, BATCH.taken = last + 1, BATCH.taken + 1
  BATCH.numbers[service] = own
  add(K_NUMBERS, service, 1)
else
  redis.call('INCR', K_COUNTER)
  own = redis.call('HINCRBY', K_NUMBERS, service, '1')
  if own == 1 then
    touch(K_NUMBERS)
  end
end
-- The label: the service's prefix and at least three digits ("A007"), or the number.
local label
if prefix == '' then
  label = text(own)
elseif own < 1000 then
  label = prefix .. three_digits(own)
else
  label = prefix .. text(own)
end
if priority ~= '' then
  redis.call('HSET', key, 'ticket_number', n, 'creation_time', NOW, 'service_type', service,
    'status', 'waiting', 'creation_time_iso', NOW_ISO, 'label', label, 'priority', priority)
else
  redis.call('HSET', key, 'ticket_number', n, 'creation_time', NOW, 'service_type', service,
    'status', 'waiting', 'creation_time_iso', NOW_ISO, 'label', label)
end
-- (Its TTL right after its hash, rather than at commit: in a batch, each ticket would
-- take two places in TOUCH, which grows with them.)
redis.call('EXPIRE', key, TTL)
redis.call('ZADD', K_WAITING, n, n)
if kept then
  -- (Written at the batch's end, or before its next call that is not a take.)
  kept[1] = size + 1
  keep_entry(name, kept)
elseif entry then
  redis.call('HSET', K_QUEUES, name, resized(name, entry, size + 1))
else
  -- An empty queue: the new ticket is its head.
  local rest = ' ' .. n .. ' ' .. label
  redis.call('HSET', K_QUEUES, name, '1' .. rest)
  if BATCH then
    BATCH.entries[name] = {1, rest}
  end
  redis.call('ZADD', head_set, n, service)
  redis.call('ZADD', K_HEAD_TIMES, NOW_US_TEXT, name)
  touch(K_QUEUE .. name)
  touch(K_QUEUES)
  touch(head_set)
  touch(K_HEAD_TIMES)
  if priority ~= '' and redis.call('HINCRBY', K_CLASSES, priority, 1) == 1 then
    touch(K_CLASSES)
  end
end
if len == 0 then
  touch(K_WAITING)
end
if counter_read == false then
  touch(K_COUNTER)
end
if idem_key then
  redis.call('SET', idem_key, n .. ' ' .. NOW .. ' ' .. ARGV[19], 'EX', ARGV[18])
end
if client_key then
  if client_taken == 0 then
    redis.call('SET', client_key, '1 ' .. ARGV[20], 'EX', ARGV[16])
  else
    redis.call('SET', client_key, (client_taken + 1) .. ' ' .. string.format('%.0f', window_end),
      'PX', math.max(1, math.ceil((window_end - NOW_US) / 1000)))
  end
end
local head = heads[1] or n
record_event('take_ticket', n, nil, service, label, priority, len + 1, head)
-- Its history line (history_line of the hash just written), written at commit before
-- those of the tickets changed (see TAKEN).
if HISTORY_TTL ~= '0' then
  TAKEN[#TAKEN + 1] = n .. '@' .. NOW
  TAKEN[#TAKEN + 1] = 'waiting|' .. service .. '|' .. priority .. '|||' .. label .. '|' ..
    NOW .. '|||0|0'
end
if BATCH then
  -- (The new ticket waits last: it is among the heads known only when they are all.)
  if #heads >= len then
    heads[#heads + 1] = n
  end
  keep_waiting(len + 1, heads)
end
commit()
-- The answer: "=<number> <waiting before> <label>". The caller knows the rest of the new
-- ticket, field for field as written above (its service, class and time are its own
-- arguments): no JSON to write here and to read there.
return '=' .. n .. ' ' .. text(ahead) .. ' ' .. label
