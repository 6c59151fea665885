-- moves.lua: moving tickets into and out of queues, keeping the index, and calling a
-- ticket to a desk; part of the function library, and prepended (after lib.lua,
-- commit.lua and queues.lua) to the scripts that do when they go by EVALSHA. See lib.lua
-- for the layout.

-- Writes the index entries of queue `name` (of `service` and `class`) from the queue
-- itself, whose size is `size` (nil: counted here); none once it is empty. `known`: the
-- queue had a head (its index entries exist).
local function refresh(name, service, class, size, known)
  local head = redis.call('ZRANGE', K_QUEUE .. name, '0', '0', 'WITHSCORES')
  local heads = heads_key(class)
  if #head == 0 then
    redis.call('HDEL', K_QUEUES, name)
    redis.call('ZREM', heads, service)
    redis.call('ZREM', K_HEAD_TIMES, name)
    if class ~= '' and redis.call('HINCRBY', K_CLASSES, class, -1) <= 0 then
      redis.call('HDEL', K_CLASSES, class)
    end
    return
  end
  -- The head's number (its member without the zeros in front) and time stay text:
  -- each number turned back into text costs a printf.
  local n = string.match(head[1], '^0*([1-9]%d*)$')
  if not n then
    fail('queue ' .. name .. ' holds ' .. head[1] .. ', not a ticket number')
  end
  local seen = redis.call('HMGET', ticket_key(n), 'creation_time', 'label')
  if not seen[1] then
    fail('waiting ticket ' .. n .. ' has no record')
  end
  local taken = micros_text(seen[1], ticket_key(n), 'creation_time')
  size = size or redis.call('ZCARD', K_QUEUE .. name)
  redis.call('HSET', K_QUEUES, name, text(size) .. ' ' .. n .. ' ' .. (seen[2] or n))
  redis.call('ZADD', heads, head[2], service)
  redis.call('ZADD', K_HEAD_TIMES, taken, name)
  if not known then
    touch(K_QUEUES)
    touch(heads)
    touch(K_HEAD_TIMES)
    if class ~= '' and redis.call('HINCRBY', K_CLASSES, class, 1) == 1 then
      touch(K_CLASSES)
    end
  end
end

-- Puts waiting ticket n (text) in the queue of `service` and `class` at `score` (a number).
local function enqueue(service, class, score, n)
  local name = queue_name(service, class)
  local known = redis.call('HEXISTS', K_QUEUES, name) == 1
  redis.call('ZADD', K_QUEUE .. name, string.format('%.17g', score), member(n))
  touch(K_QUEUE .. name)
  redis.call('ZADD', K_WAITING, n, n)
  touch(K_WAITING)
  refresh(name, service, class, nil, known)
end

-- Takes waiting ticket n (text) out of the queue of `service` and `class`, which then holds
-- `size` tickets (nil: counted).
local function dequeue(service, class, n, size)
  local name = queue_name(service, class)
  redis.call('ZREM', K_QUEUE .. name, member(n))
  redis.call('ZREM', K_WAITING, n)
  refresh(name, service, class, size, true)
end

-- Calls waiting ticket n (text; table t), of the queue of `service` and `class` (holding
-- `size` tickets, nil: unknown), to `desk`: `wait_us` is its wait, `weight` its class's weight,
-- `target_us` its service's target wait (0: none), `streak` the desk's priority calls in a
-- row before; `has_desk`, `has_streak`: the desk has its entries in desks and streaks.
-- The queue is written first (see lib.lua). `len`, `head`: see record. Returns t.
local function call_ticket(desk, n, t, service, class, size, wait_us, weight, target_us, streak,
    has_desk, has_streak, action, len, head)
  dequeue(service, class, n, size and size - 1)
  local key = ticket_key(n)
  if BY ~= '' then
    redis.call('HSET', key, 'status', 'in_progress', 'called_time', NOW, 'desk', desk,
      'account', BY)
  else
    redis.call('HSET', key, 'status', 'in_progress', 'called_time', NOW, 'desk', desk)
    if t.account then
      redis.call('HDEL', key, 'account')
    end
  end
  t.status, t.called_time, t.desk = 'in_progress', NOW, desk
  if BY ~= '' then t.account = BY else t.account = nil end
  -- The day's calls and waits are the sums of these (replies.rs: stats_of).
  local svc = 'svc:' .. service .. ':'
  add(K_STATS, svc .. 'called', 1)
  add(K_STATS, svc .. 'wait_us', wait_us)
  if target_us > 0 and wait_us <= target_us then
    add(K_STATS, svc .. 'within', 1)
  end
  add(K_STATS, svc .. 'wb:' .. text(math.floor(wait_us / 30000000)), 1)
  -- A desk that calls without priority and had no streak keeps its '0'.
  if weight > 0 or streak > 0 or not has_streak then
    redis.call('HSET', K_STREAKS, desk, weight > 0 and text(streak + 1) or '0')
    if not has_streak then
      touch(K_STREAKS)
    end
  end
  set_current(desk, n, has_desk)
  record(action, n, desk, t, len, head)
  -- `t` was the whole hash (each caller read it so) and now has the fields written.
  CURRENT[n] = t
  return t
end

-- Puts the last change recorded before the one recorded just before it (a call that
-- finishes the desk's ticket writes the queue first, but its event comes second).
local function swap_last_records()
  local e, l = #EVENTS, #LINES
  EVENTS[e - 1], EVENTS[e] = EVENTS[e], EVENTS[e - 1]
  LINES[l - 1], LINES[l] = LINES[l], LINES[l - 1]
end
