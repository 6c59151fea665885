-- floor_take.lua: a measure of scripts/redis-instructions, not the server's: the writes
-- that takes in a batch make (take.lua and commit.lua), for takes with idempotency keys
-- in one service, written for nothing else: the reads those writes need (the key, the
-- new ticket's key, the counter, the service's number, the queue's entry, the waiting
-- set) and none of the rules' checks (the replay of a known key, the open day, the
-- limits, the cap, the classes, the type checks), none of the batch's shared code
-- (batch.lua), the times given once for the whole call. What Redis spends on it bounds from below what a script that makes these
-- writes can cost; scripts/redis-instructions prints it beside the server's take in a
-- batch and the yardstick's plain take script.
-- KEYS[1] the base of the keys ("<prefix>:{<tag>}:"; every key below starts with it)
-- ARGV[1] now ("<seconds>.<6 digits>"), ARGV[2] now as ISO-8601, ARGV[3] now in µs,
-- ARGV[4] TTL in seconds, ARGV[5..] an idempotency key per take
-- Returns: a line per take, "=<number> <waiting before> <label>", as take.lua answers
local base, now, iso, now_us, ttl = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local service = 'poste'
-- What a batch reads once: the counter, the service's number, its queue's entry, the
-- waiting set's size and head.
local last = tonumber(redis.call('GET', base .. 'counter') or '0')
local own = tonumber(redis.call('HGET', base .. 'numbers', service) or '0')
redis.call('HGET', base .. 'queues', service)
local len = redis.call('ZCARD', base .. 'waiting')
local head = redis.call('ZRANGE', base .. 'waiting', '0', '0')[1]
local lines, events, history, out = {}, {}, {}, {}
for i = 5, #ARGV do
  local idem = base .. 'idem:' .. ARGV[i]
  redis.call('GET', idem)
  last, own = last + 1, own + 1
  local n = tostring(last)
  local key = base .. 'ticket:' .. n
  if redis.call('EXISTS', key) == 1 then
    return redis.error_reply('ERR ' .. key .. ' already exists')
  end
  redis.call('ZADD', base .. 'queue:' .. service, n, string.format('%09d', last))
  local label = tostring(own)
  redis.call('HSET', key, 'ticket_number', n, 'creation_time', now, 'service_type', service,
    'status', 'waiting', 'creation_time_iso', iso, 'label', label)
  redis.call('EXPIRE', key, ttl)
  redis.call('ZADD', base .. 'waiting', n, n)
  redis.call('SET', idem, n .. ' ' .. now .. ' ' .. now_us, 'EX', '600')
  head = head or n
  out[#out + 1] = '=' .. n .. ' ' .. len .. ' ' .. label
  len = len + 1
  lines[#lines + 1] = iso .. '|take_ticket:' .. n
  events[#events + 1] = '|' .. now_us .. '|take_ticket|' .. n .. '||' .. len .. '|' .. head ..
    '|' .. service .. '|' .. label .. '|'
  history[#history + 1] = n .. '@' .. now
  history[#history + 1] = 'waiting|' .. service .. '||||' .. label .. '|' .. now .. '|||0|0'
end
-- What a batch writes once: the counters, the queue's entry, the history lines, the log
-- lines, the day's figures and one event message.
local taken = #ARGV - 4
redis.call('INCRBY', base .. 'counter', taken)
redis.call('HINCRBY', base .. 'numbers', service, taken)
redis.call('HSET', base .. 'queues', service, len .. ' ' .. head .. ' ' .. head)
redis.call('HSET', base .. 'history', unpack(history))
if redis.call('LPUSH', base .. 'logs', unpack(lines)) > 100 then
  redis.call('LTRIM', base .. 'logs', 0, 49)
end
local seq = redis.call('HINCRBY', base .. 'stats', 'seq', taken)
redis.call('HINCRBY', base .. 'activity', string.sub(now, 1, 8) .. '|take_ticket', taken)
for i, event in ipairs(events) do
  events[i] = (seq - taken + i) .. event
end
redis.call('PUBLISH', base .. 'events', table.concat(events, '\n'))
return table.concat(out, '\n')
