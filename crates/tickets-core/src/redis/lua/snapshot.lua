-- snapshot.lua: everything about the day, bounded. Read-only.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] waiting tickets to list, ARGV[9] log lines to list, ARGV[10] minutes of activity,
-- ARGV[11..] the action names, for the activity fields.
-- Returns: JSON {"open", "counter", "queue_length", "next", "waiting": [ticket line],
--   "logs": [line], "desks": [[desk, ticket line|false]], "stats": {field: value},
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
    waiting[#waiting + 1] = ticket_line(t)
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
  local t = cur and ticket_table(cur)
  desks[#desks + 1] = {flat[i], t and ticket_line(t) or false}
end
local activity = {}
if minutes > 0 then
  -- Read in slices of 1,000 (Lua's unpack has a limit on its argument count); field i
  -- (from 0) is minute i // #names, action i % #names.
  local fields, names = chart_fields(minutes, 11, #ARGV - 2)
  local first = MINUTE - minutes + 1
  for start = 1, #fields, 1000 do
    local last = math.min(start + 999, #fields)
    local counts = redis.call('HMGET', K_ACTIVITY, unpack(fields, start, last))
    for j = 1, last - start + 1 do
      local c = counts[j]
      if c then
        local i = start + j - 2
        local a = i % #names
        activity[#activity + 1] = {first + (i - a) / #names, names[a + 1], tonumber(c)}
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
