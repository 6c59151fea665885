-- snapshot.lua: everything about the day, bounded. Read-only.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] waiting tickets to list, ARGV[9] log lines to list, ARGV[10] minutes of activity,
-- ARGV[11..] the action names, for the activity fields.
-- Returns: JSON {"open", "counter", "queue_length", "next", "waiting": [{hash}],
--   "logs": [line], "desks": [[desk, {hash}|false]], "stats": {field: value},
--   "activity": [[minute, action, count]], "queues": [{"name", "len", "first": [number]}],
--   "key_count", "pttl"}
local n_waiting, n_logs, minutes = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local waiting = {}
if n_waiting > 0 then
  for _, v in ipairs(redis.call('ZRANGE', K_WAITING, 0, n_waiting - 1)) do
    local n = number(v, 'waiting')
    local t = ticket_table(n)
    if not t then
      fail('waiting ticket ' .. n .. ' has no record')
    end
    waiting[#waiting + 1] = t
  end
end
local logs = {}
if n_logs > 0 then
  logs = redis.call('LRANGE', K_LOGS, 0, n_logs - 1)
end
local desks = {}
local flat = redis.call('HGETALL', K_DESKS)
for i = 1, #flat, 2 do
  local cur = current_of(flat[i])
  desks[#desks + 1] = {flat[i], cur and (ticket_table(cur) or false) or false}
end
local activity = {}
if minutes > 0 then
  local fields, index = {}, {}
  for m = MINUTE - minutes + 1, MINUTE do
    for a = 11, #ARGV - 2 do
      fields[#fields + 1] = m .. '|' .. ARGV[a]
      index[#index + 1] = {m, ARGV[a]}
    end
  end
  -- HMGET in slices: Lua's unpack has a limit on its argument count.
  for start = 1, #fields, 1000 do
    local slice = {}
    for i = start, math.min(start + 999, #fields) do
      slice[#slice + 1] = fields[i]
    end
    local counts = redis.call('HMGET', K_ACTIVITY, unpack(slice))
    for j = 1, #slice do
      local c = counts[j]
      if c then
        local at = index[start + j - 1]
        activity[#activity + 1] = {at[1], at[2], tonumber(c)}
      end
    end
  end
end
-- Every non-empty queue (the index has one entry per queue), with its first numbers.
local queues = {}
local flat = registry()
for i = 1, #flat, 2 do
  local name = flat[i]
  local size = entry_size(name, flat[i + 1])
  local first = {}
  if n_waiting > 0 then
    for _, m in ipairs(redis.call('ZRANGE', K_QUEUE .. name, 0, n_waiting - 1)) do
      first[#first + 1] = number(m, 'queue ' .. name)
    end
  end
  queues[#queues + 1] = {name = name, len = size, first = first}
end
local counter = count(redis.call('GET', K_COUNTER), 'counter')
local nxt = redis.call('ZRANGE', K_WAITING, '0', '0')[1]
return cjson.encode({
  open = redis.call('EXISTS', K_DAY) == 1,
  counter = counter,
  queue_length = redis.call('ZCARD', K_WAITING),
  next = nxt and number(nxt, 'waiting') or nil,
  waiting = waiting,
  logs = logs,
  desks = desks,
  stats = stats_table(),
  activity = activity,
  queues = queues,
  -- The fixed keys that exist, the sets of heads of the classes, the tickets (1 to
  -- counter) and the non-empty queues (not the short-lived idempotency keys and take
  -- counters).
  key_count = redis.call('EXISTS', K_DAY, K_COUNTER, K_WAITING, K_CURRENT, K_DESKS, K_LOGS,
    K_STATS, K_ACTIVITY, K_NUMBERS, K_STREAKS, K_QUEUES, K_HEADS, K_HEAD_TIMES,
    K_CLASSES) + redis.call('HLEN', K_CLASSES) + counter + #queues,
  pttl = redis.call('PTTL', K_LOGS),
})
