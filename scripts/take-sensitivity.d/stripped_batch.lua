-- stripped_batch.lua: a measure of scripts/take-sensitivity, not the server's. Put into
-- the server's function library just before run_batch (batch.lua), it runs a batch made
-- only of takes with less than the rules ask, so that the same server, load and machine
-- show what the take's rate gains when Redis has less to do per take. LEVEL (replaced by
-- the tool) says how much less:
--   floor           the take's writes and the reads they need, none of the rules' checks
--                   (as scripts/redis-instructions.d/floor_take.lua, on the server's calls)
--   no-waiting-set  the floor without the waiting set's ZADD
--   no-idempotency  the floor without the idempotency key's GET and SET
--   bare            the floor without all three, the new key's EXISTS and the ticket's
--                   EXPIRE
--   none            numbers and the batch's one event, nothing else written
-- Every take is answered as take.lua answers a new ticket ("=<number> <ahead> <label>"),
-- and the event is published on the server's channel as commit.lua writes it, so the
-- server does for each take what it does with the library as it is.
-- KEYS[1] the day key ("<prefix>:{<day>}:day"); argv the batch's (see run_batch); starts
-- the position in argv of each call's name (each a take). Each call's own arguments are
-- those of take.lua (lib.lua): 1 now in µs, 2 now in seconds, 3 now as ISO-8601, 4 the
-- TTL, 5 the day, 6 the event channel, 8 the service, 9 the idempotency key.
local LEVEL = '@LEVEL@'
local WRITES = LEVEL ~= 'none'
local KEYED = LEVEL == 'floor' or LEVEL == 'no-waiting-set'
local WAITING = LEVEL == 'floor' or LEVEL == 'no-idempotency'
local CHECKED = KEYED or WAITING
local function stripped_batch(keys, argv, starts)
  local base = string.sub(keys[1], 1, -4)
  -- (A call's argument k is argv[start + 1 + k]: its name and its count come first.)
  local a = starts[1] + 1
  local now_us, now, iso, ttl = argv[a + 1], argv[a + 2], argv[a + 3], argv[a + 4]
  local day, channel, service = argv[a + 5], argv[a + 6], argv[a + 8]
  local last = tonumber(redis.call('GET', base .. 'counter') or '0')
  local own, len, head = last, 0, nil
  if WRITES then
    own = tonumber(redis.call('HGET', base .. 'numbers', service) or '0')
    redis.call('HGET', base .. 'queues', service)
    len = redis.call('ZCARD', base .. 'waiting')
    head = redis.call('ZRANGE', base .. 'waiting', '0', '0')[1]
  end
  local lines, events, history, out = {}, {}, {}, {}
  for c = 1, #starts do
    last, own = last + 1, own + 1
    local n, label = tostring(last), tostring(own)
    if WRITES then
      local key = base .. 'ticket:' .. n
      local idem = base .. 'idem:' .. argv[starts[c] + 10]
      if KEYED then
        redis.call('GET', idem)
      end
      if CHECKED then
        if redis.call('EXISTS', key) == 1 then
          return redis.error_reply('ERR ' .. key .. ' already exists')
        end
      end
      redis.call('ZADD', base .. 'queue:' .. service, n, string.format('%09d', last))
      redis.call('HSET', key, 'ticket_number', n, 'creation_time', now, 'service_type',
        service, 'status', 'waiting', 'creation_time_iso', iso, 'label', label)
      if CHECKED then
        redis.call('EXPIRE', key, ttl)
      end
      if WAITING then
        redis.call('ZADD', base .. 'waiting', n, n)
      end
      if KEYED then
        redis.call('SET', idem, n .. ' ' .. now .. ' ' .. now_us, 'EX', '600')
      end
      lines[#lines + 1] = iso .. '|take_ticket:' .. n
      history[#history + 1] = n .. '@' .. now
      history[#history + 1] = 'waiting|' .. service .. '||||' .. label .. '|' .. now ..
        '|||0|0'
    end
    head = head or n
    out[#out + 1] = '=' .. n .. ' ' .. len .. ' ' .. label
    len = len + 1
    events[#events + 1] = '|' .. day .. '|' .. now_us .. '|take_ticket|' .. n .. '||' .. len ..
      '|' .. head .. '|' .. service .. '|' .. label .. '|'
  end
  local taken = #starts
  redis.call('INCRBY', base .. 'counter', taken)
  if WRITES then
    redis.call('HINCRBY', base .. 'numbers', service, taken)
    redis.call('HSET', base .. 'queues', service, len .. ' ' .. head .. ' ' .. head)
    redis.call('HSET', base .. 'history', unpack(history))
    if redis.call('LPUSH', base .. 'logs', unpack(lines)) > 100 then
      redis.call('LTRIM', base .. 'logs', 0, 49)
    end
    redis.call('HINCRBY', base .. 'activity', string.sub(now, 1, 8) .. '|take_ticket', taken)
  end
  local seq = redis.call('HINCRBY', base .. 'stats', 'seq', taken)
  for i, event in ipairs(events) do
    events[i] = (seq - taken + i) .. event
  end
  redis.call('PUBLISH', channel, table.concat(events, '\n'))
  return table.concat(out, '\n')
end

-- The calls of a batch when each is a take (then stripped_batch runs them), nil otherwise.
local function takes_only(argv)
  local i, starts = 1, {}
  while i <= #argv do
    if argv[i] ~= 'take' then
      return nil
    end
    starts[#starts + 1] = i
    i = i + 2 + tonumber(argv[i + 1])
  end
  return starts
end
