-- lib.lua: the prelude of every day script; scripts.rs prepends it to each file at load
-- time. (The configuration scripts, config_*.lua, run without it.)
--
-- KEYS (the same for every day script, in this order; see keys.rs):
--   1 day       STRING  open marker
--   2 counter   STRING  last number given (the day's unique ticket numbers)
--   3 waiting   ZSET    every waiting ticket of every service; member and score = its number
--   4 current   STRING  current ticket of the default desk
--   5 desks     HASH    desk id -> current number ("0" when idle)
--   6 logs      LIST    newest first, capped at 50
--   7 stats     HASH    counters (seq, called, wait_us, served, service_us, no_show,
--                       desk:<id>:…, svc:<code>:called|wait_us|within|served|wb:<bucket>)
--   8 activity  HASH    "<epoch minute>|<action>" -> count
--   9 idem      HASH    idempotency key -> ticket number
--  10 ticket base: "<prefix>:{<day>}:ticket:"; ticket N is KEYS[10] .. N (same hash tag)
--  11 numbers   HASH    service -> last number given in that service (labels)
--  12 streaks   HASH    desk id -> priority tickets it called in a row
--  13 queues    HASH    queue name -> its head "<score> <number> <creation_time>"; one
--                       field per non-empty queue, none for an empty one
--  14 queue base: "<prefix>:{<day>}:queue:"; queue <name> is KEYS[14] .. <name>, the name
--                 being "<service>" (people without priority) or "<service>:<class>"
-- A queue is a ZSET of its waiting tickets in calling order: the score is the ticket
-- number (arrival order) or what a transfer gave it; the member is the number on nine
-- digits ("000000042"), so that equal scores fall back to number order as in memory.rs.
--
-- ARGV (common head):
--   1 now, microseconds since the epoch   2 now as "<seconds>.<6 digits>"
--   3 now as ISO-8601 UTC                 4 TTL in seconds for every key written
--   5 the day "YYYY-MM-DD"                6 the pub/sub channel of events
--   7 the default desk id
-- Operation arguments follow from ARGV[8]. What a script needs of the office
-- configuration comes in its arguments too (the configuration key is in another slot).

local K_DAY, K_COUNTER, K_WAITING, K_CURRENT, K_DESKS = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local K_LOGS, K_STATS, K_ACTIVITY, K_IDEM, K_TICKET = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local K_NUMBERS, K_STREAKS, K_QUEUES, K_QUEUE = KEYS[11], KEYS[12], KEYS[13], KEYS[14]
local NOW_US = tonumber(ARGV[1])
local NOW, NOW_ISO, TTL, DAY, CHANNEL, DEFAULT_DESK =
  ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[7]
local MINUTE = math.floor(NOW_US / 60000000)
local LOG_LIMIT = 50
-- The width of a bucket of the per-service wait histogram, in microseconds (30 s).
local WAIT_BUCKET_US = 30000000

local function fail(detail)
  error({err = 'CORRUPT ' .. detail})
end

-- Checks that every fixed key of the day holds the type this layout gives it (or
-- nothing), before a script writes anything: foreign data fails the script without a
-- partial write. (A queue key, whose name depends on the ticket, is written first by
-- the scripts that add to it, so that Redis's WRONGTYPE also comes before any write.)
local EXPECTED_TYPES = {
  {K_DAY, 'string'}, {K_COUNTER, 'string'}, {K_WAITING, 'zset'}, {K_CURRENT, 'string'},
  {K_DESKS, 'hash'}, {K_LOGS, 'list'}, {K_STATS, 'hash'}, {K_ACTIVITY, 'hash'}, {K_IDEM, 'hash'},
  {K_NUMBERS, 'hash'}, {K_STREAKS, 'hash'}, {K_QUEUES, 'hash'},
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

-- A count read from one of our keys (absent: 0), or an error if it is not one.
local function count(v, where)
  if not v then
    return 0
  end
  local n = tonumber(v)
  if not n or n < 0 or n ~= math.floor(n) then
    fail(where .. ' holds ' .. tostring(v) .. ', not a count')
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

-- The desk's priority calls in a row.
local function streak_of(desk)
  return count(redis.call('HGET', K_STREAKS, desk), 'streaks[' .. desk .. ']')
end

-- The priority class of a ticket table: its code, or '' for none.
local function class_of(t)
  return t.priority or ''
end

-- The name of the queue of a service and class ('' for people without priority).
local function queue_name(service, class)
  if class == '' then
    return service
  end
  return service .. ':' .. class
end

-- A queue name split into its service and class ('' for none).
local function split_name(name)
  local s, c = string.match(name, '^([^:]+):(.+)$')
  if s then
    return s, c
  end
  return name, ''
end

-- A ticket number as a queue member: nine digits, so that members sort as numbers.
local function member(n)
  return string.format('%09d', n)
end

-- A score as Redis reads it back exactly.
local function score_text(x)
  return string.format('%.17g', x)
end

-- Whether a < b, byte by byte (Lua's own string order follows the server's locale).
local function bytes_less(a, b)
  local la, lb = #a, #b
  for i = 1, math.min(la, lb) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then
      return x < y
    end
  end
  return la < lb
end

-- Log line, per-minute count, event number and PUBLISH: what every change does. `t` is
-- the ticket concerned as a table, if any (its service, label and class go in the event).
local function record(action, n, desk, t)
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
  local head = redis.call('ZRANGE', K_WAITING, 0, 0)[1]
  local event = {
    seq = seq, day = DAY, at = ARGV[1], action = action,
    ticket = n, desk = desk, queue_length = redis.call('ZCARD', K_WAITING),
    next_ticket = head and tonumber(head) or nil,
  }
  if t then
    event.service = t.service_type
    event.label = t.label or t.ticket_number
    if t.priority and t.priority ~= '' then
      event.priority = t.priority
    end
  end
  redis.call('PUBLISH', CHANNEL, cjson.encode(event))
end

-- Ends a desk's current ticket n: 'completed' (finish) or 'no_show'. Returns its table.
local function end_ticket(desk, n, status)
  local key = ticket_key(n)
  local seen = redis.call('HMGET', key, 'called_time', 'service_type')
  if not seen[1] then
    fail('ticket ' .. n .. ' is current at desk ' .. desk .. ' but was never called')
  end
  local dur = math.max(0, NOW_US - micros(seen[1], key .. ' called_time'))
  redis.call('HSET', key, 'status', status, 'finish_time', NOW)
  touch(key)
  if status == 'completed' then
    redis.call('HINCRBY', K_STATS, 'served', 1)
    redis.call('HINCRBY', K_STATS, 'service_us', dur)
    redis.call('HINCRBY', K_STATS, 'desk:' .. desk .. ':served', 1)
    redis.call('HINCRBY', K_STATS, 'desk:' .. desk .. ':service_us', dur)
    redis.call('HINCRBY', K_STATS, 'svc:' .. tostring(seen[2]) .. ':served', 1)
  else
    redis.call('HINCRBY', K_STATS, 'no_show', 1)
  end
  set_current(desk, 0)
  local t = ticket_table(n)
  record(status == 'completed' and 'finish_current' or 'no_show', n, desk, t)
  return t
end

local function stats_table()
  return (hash_table(K_STATS))
end

-- The office's priority classes from ARGV[i]: their count, then the code and weight of
-- each. Returns code -> weight (people without priority, and classes no longer
-- configured, weigh 0) and the index after them.
local function read_weights(i)
  local w = {}
  local c = tonumber(ARGV[i])
  for j = 1, c do
    w[ARGV[i + 2 * j - 1]] = tonumber(ARGV[i + 2 * j])
  end
  return w, i + 1 + 2 * c
end

-- A desk's services from ARGV[i], in the desk's order: their count, then the code, the
-- maximum wait and the target wait (µs, 0 for none) of each. Returns code -> {rank, maxw,
-- target} and the index after them.
local function read_plan(i)
  local plan = {}
  local c = tonumber(ARGV[i])
  for j = 0, c - 1 do
    local b = i + 1 + 3 * j
    plan[ARGV[b]] = {rank = j, maxw = tonumber(ARGV[b + 1]), target = tonumber(ARGV[b + 2])}
  end
  return plan, i + 1 + 3 * c
end

-- The queue registry as a flat list (name, head, name, head, …).
local function registry()
  return redis.call('HGETALL', K_QUEUES)
end

-- A registry entry: the head's score, number and creation time (text).
local function parse_head(name, v)
  local s, n, taken = string.match(v, '^(%S+) (%d+) (%S+)$')
  local score = tonumber(s)
  if not score then
    fail('queues[' .. name .. '] holds ' .. tostring(v) .. ', not a queue head')
  end
  return score, tonumber(n), taken
end

-- Writes the registry entry of queue `name` from the queue itself: its head, or no entry
-- once it is empty.
local function refresh(name)
  local head = redis.call('ZRANGE', K_QUEUE .. name, 0, 0, 'WITHSCORES')
  if #head == 0 then
    redis.call('HDEL', K_QUEUES, name)
    return
  end
  local n = number(head[1], 'queue ' .. name)
  local taken = redis.call('HGET', ticket_key(n), 'creation_time')
  if not taken then
    fail('waiting ticket ' .. n .. ' has no record')
  end
  redis.call('HSET', K_QUEUES, name, head[2] .. ' ' .. n .. ' ' .. taken)
  touch(K_QUEUES)
end

-- Puts waiting ticket n in queue `name` at `score`.
local function enqueue(name, score, n)
  redis.call('ZADD', K_QUEUE .. name, score_text(score), member(n))
  touch(K_QUEUE .. name)
  redis.call('ZADD', K_WAITING, n, n)
  touch(K_WAITING)
  refresh(name)
end

-- Takes waiting ticket n out of queue `name`.
local function dequeue(name, n)
  redis.call('ZREM', K_QUEUE .. name, member(n))
  redis.call('ZREM', K_WAITING, n)
  refresh(name)
end

-- How many tickets will be called before waiting ticket n (table t) in its service: those
-- of classes of higher weight, then those before it in its own queue; nil when it does not
-- wait (memory.rs: ahead_of).
local function ahead_of(n, t, weights)
  if t.status ~= 'waiting' then
    return nil
  end
  local class = class_of(t)
  local own = weights[class] or 0
  local ahead = redis.call('ZRANK', K_QUEUE .. queue_name(t.service_type, class), member(n))
  if not ahead then
    return nil
  end
  for c, w in pairs(weights) do
    if w > own then
      ahead = ahead + redis.call('ZCARD', K_QUEUE .. t.service_type .. ':' .. c)
    end
  end
  return ahead
end

-- The heads of the desk's queues (from the registry `flat`), in the order memory.rs looks
-- at them: the desk's order of services, then people without priority, then the classes
-- by code.
local function desk_heads(flat, plan, weights)
  local heads = {}
  for i = 1, #flat, 2 do
    local service, class = split_name(flat[i])
    local p = plan[service]
    if p then
      local score, n, taken = parse_head(flat[i], flat[i + 1])
      heads[#heads + 1] = {
        name = flat[i], service = service, class = class, rank = p.rank,
        weight = weights[class] or 0, score = score, n = n, taken = taken,
        maxw = p.maxw, target = p.target,
      }
    end
  end
  if #heads > 1 then
    table.sort(heads, function(a, b)
      if a.rank ~= b.rank then
        return a.rank < b.rank
      end
      return bytes_less(a.class, b.class)
    end)
  end
  return heads
end

-- The calling rule (calling.rs: choose). Returns the head to call, or nil.
local function by_arrival(a, b)
  if a.score ~= b.score then
    return a.score < b.score and -1 or 1
  end
  if a.rank ~= b.rank then
    return a.rank < b.rank and -1 or 1
  end
  return 0
end

local function pick(heads, keep, order)
  local best
  for _, h in ipairs(heads) do
    if keep(h) and (not best or order(h, best) < 0) then
      best = h
    end
  end
  return best
end

local function choose(heads, streak, ratio)
  local found = pick(heads, function(h)
    if h.maxw <= 0 then
      return false
    end
    h.taken_us = h.taken_us or micros(h.taken, 'queues[' .. h.name .. ']')
    return NOW_US - h.taken_us > h.maxw
  end, function(a, b)
    if a.taken_us ~= b.taken_us then
      return a.taken_us < b.taken_us and -1 or 1
    end
    return by_arrival(a, b)
  end)
  if found then
    return found
  end
  local normal_waits = false
  for _, h in ipairs(heads) do
    if h.weight == 0 then
      normal_waits = true
      break
    end
  end
  if not (ratio > 0 and streak >= ratio and normal_waits) then
    found = pick(heads, function(h) return h.weight > 0 end, function(a, b)
      if a.weight ~= b.weight then
        return a.weight > b.weight and -1 or 1
      end
      return by_arrival(a, b)
    end)
    if found then
      return found
    end
  end
  return pick(heads, function(h) return h.weight == 0 end, by_arrival)
end

-- Calls waiting ticket n, of queue `name` and `service`, to `desk`, whose current ticket
-- is already finished: `wait_us` is its wait, `weight` its class's weight, `target_us`
-- its service's target wait (0: none), `streak` the desk's priority calls in a row
-- before. Returns its table.
local function call_ticket(desk, n, name, service, wait_us, weight, target_us, streak, action)
  local key = ticket_key(n)
  dequeue(name, n)
  redis.call('HSET', key, 'status', 'in_progress', 'called_time', NOW, 'desk', desk)
  touch(key)
  redis.call('HINCRBY', K_STATS, 'called', 1)
  redis.call('HINCRBY', K_STATS, 'wait_us', wait_us)
  local svc = 'svc:' .. service .. ':'
  redis.call('HINCRBY', K_STATS, svc .. 'called', 1)
  redis.call('HINCRBY', K_STATS, svc .. 'wait_us', wait_us)
  if target_us > 0 and wait_us <= target_us then
    redis.call('HINCRBY', K_STATS, svc .. 'within', 1)
  end
  redis.call('HINCRBY', K_STATS,
    svc .. 'wb:' .. string.format('%d', math.floor(wait_us / WAIT_BUCKET_US)), 1)
  redis.call('HSET', K_STREAKS, desk, weight > 0 and streak + 1 or 0)
  touch(K_STREAKS)
  set_current(desk, n)
  local t = ticket_table(n)
  record(action, n, desk, t)
  return t
end

-- A refusal the Rust side turns into an Error.
local function refuse(what, t)
  return cjson.encode({error = what, status = t and t.status or nil})
end

-- (scripts follow; those that write start with check_layout())
