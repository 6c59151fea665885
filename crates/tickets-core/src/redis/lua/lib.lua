-- lib.lua: the prelude of every script; scripts.rs prepends it to each file at load time.
--
-- KEYS (the same for every script, in this order; see keys.rs):
--   1 day       STRING  open marker
--   2 counter   STRING  last number given
--   3 queue     LIST    waiting numbers, FIFO
--   4 current   STRING  current ticket of the default desk
--   5 desks     HASH    desk id -> current number ("0" when idle)
--   6 logs      LIST    newest first, capped at 50
--   7 stats     HASH    counters (seq, called, wait_us, served, service_us, no_show, desk:<id>:…)
--   8 activity  HASH    "<epoch minute>|<action>" -> count
--   9 idem      HASH    idempotency key -> ticket number
--  10 ticket base: "<prefix>:{<day>}:ticket:"; ticket N is KEYS[10] .. N (same hash tag)
-- ARGV (common head):
--   1 now, microseconds since the epoch   2 now as "<seconds>.<6 digits>"
--   3 now as ISO-8601 UTC                 4 TTL in seconds for every key written
--   5 the day "YYYY-MM-DD"                6 the pub/sub channel of events
--   7 the default desk id
-- Operation arguments follow from ARGV[8].

local K_DAY, K_COUNTER, K_QUEUE, K_CURRENT, K_DESKS = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local K_LOGS, K_STATS, K_ACTIVITY, K_IDEM, K_TICKET = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local NOW_US = tonumber(ARGV[1])
local NOW, NOW_ISO, TTL, DAY, CHANNEL, DEFAULT_DESK =
  ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[7]
local MINUTE = math.floor(NOW_US / 60000000)
local LOG_LIMIT = 50

local function fail(detail)
  error({err = 'CORRUPT ' .. detail})
end

-- Checks that every key of the day holds the type this layout gives it (or nothing),
-- before a script writes anything: foreign data fails the script without a partial write.
local EXPECTED_TYPES = {
  {K_DAY, 'string'}, {K_COUNTER, 'string'}, {K_QUEUE, 'list'}, {K_CURRENT, 'string'},
  {K_DESKS, 'hash'}, {K_LOGS, 'list'}, {K_STATS, 'hash'}, {K_ACTIVITY, 'hash'}, {K_IDEM, 'hash'},
}
local function check_layout()
  for _, kt in ipairs(EXPECTED_TYPES) do
    local t = redis.call('TYPE', kt[1])['ok']
    if t ~= 'none' and t ~= kt[2] then
      fail(kt[1] .. ' is a ' .. t .. ', expected a ' .. kt[2])
    end
  end
end

local function touch(key)
  redis.call('EXPIRE', key, TTL)
end

local function ticket_key(n)
  return K_TICKET .. n
end

-- A ticket number read from one of our keys, or an error if it is not one.
local function number(v, where)
  local n = tonumber(v)
  if not n or n < 1 or n ~= math.floor(n) then
    fail(where .. ' holds ' .. tostring(v) .. ', not a ticket number')
  end
  return n
end

-- "<seconds>.<6 digits>" -> microseconds.
local function micros(v, where)
  local s, f = string.match(v or '', '^(%d+)%.(%d%d%d%d%d%d)$')
  if not s then
    fail(where .. ' holds ' .. tostring(v) .. ', not a time')
  end
  return tonumber(s) * 1000000 + tonumber(f)
end

-- A hash as a table (empty when the key does not exist).
local function hash_table(key)
  local flat = redis.call('HGETALL', key)
  local t = {}
  for i = 1, #flat, 2 do
    t[flat[i]] = flat[i + 1]
  end
  return t, #flat
end

-- A ticket hash as a table, or nil.
local function ticket_table(n)
  local t, size = hash_table(ticket_key(n))
  if size == 0 then
    return nil
  end
  return t
end

-- The current ticket number of a desk, or nil.
local function current_of(desk)
  local v = redis.call('HGET', K_DESKS, desk)
  if not v or v == '0' then
    return nil
  end
  return number(v, 'desks[' .. desk .. ']')
end

local function set_current(desk, n)
  redis.call('HSET', K_DESKS, desk, n)
  touch(K_DESKS)
  if desk == DEFAULT_DESK then
    if n == 0 then
      redis.call('DEL', K_CURRENT)
    else
      redis.call('SET', K_CURRENT, n, 'EX', TTL)
    end
  end
end

-- Log line, per-minute count, event number and PUBLISH: what every change does.
local function record(action, n, desk)
  local line = NOW_ISO .. '|' .. action
  if n then line = line .. ':' .. n end
  if desk then line = line .. '@' .. desk end
  redis.call('LPUSH', K_LOGS, line)
  redis.call('LTRIM', K_LOGS, 0, LOG_LIMIT - 1)
  touch(K_LOGS)
  redis.call('HINCRBY', K_ACTIVITY, MINUTE .. '|' .. action, 1)
  touch(K_ACTIVITY)
  local seq = redis.call('HINCRBY', K_STATS, 'seq', 1)
  touch(K_STATS)
  local head = redis.call('LINDEX', K_QUEUE, 0)
  redis.call('PUBLISH', CHANNEL, cjson.encode({
    seq = seq, day = DAY, at = ARGV[1], action = action,
    ticket = n, desk = desk, queue_length = redis.call('LLEN', K_QUEUE),
    next_ticket = head and tonumber(head) or nil,
  }))
end

-- Ends a desk's current ticket n: 'completed' (finish) or 'no_show'. Returns its table.
local function end_ticket(desk, n, status)
  local key = ticket_key(n)
  local called = redis.call('HGET', key, 'called_time')
  if not called then
    fail('ticket ' .. n .. ' is current at desk ' .. desk .. ' but was never called')
  end
  local dur = math.max(0, NOW_US - micros(called, key .. ' called_time'))
  redis.call('HSET', key, 'status', status, 'finish_time', NOW)
  touch(key)
  if status == 'completed' then
    redis.call('HINCRBY', K_STATS, 'served', 1)
    redis.call('HINCRBY', K_STATS, 'service_us', dur)
    redis.call('HINCRBY', K_STATS, 'desk:' .. desk .. ':served', 1)
    redis.call('HINCRBY', K_STATS, 'desk:' .. desk .. ':service_us', dur)
  else
    redis.call('HINCRBY', K_STATS, 'no_show', 1)
  end
  set_current(desk, 0)
  record(status == 'completed' and 'finish_current' or 'no_show', n, desk)
  return ticket_table(n)
end

local function stats_table()
  return (hash_table(K_STATS))
end

-- Position of ticket n in the queue (0 = next), or nil.
local function position(n)
  return redis.call('LPOS', K_QUEUE, n) or nil
end

-- (scripts follow; those that write start with check_layout())
