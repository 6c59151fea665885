-- snapshot.lua: everything about the day, bounded. Read-only.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] waiting tickets to list, ARGV[9] log lines to list, ARGV[10] minutes of activity,
-- ARGV[11..] the action names, for the activity fields.
-- Returns: JSON {"open", "counter", "queue_length", "next", "waiting": [{hash}],
--   "logs": [line], "desks": [[desk, {hash}|false]], "stats": {field: value},
--   "activity": [[minute, action, count]], "key_count", "pttl"}
local n_waiting, n_logs, minutes = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local waiting = {}
if n_waiting > 0 then
  for _, v in ipairs(redis.call('LRANGE', K_QUEUE, 0, n_waiting - 1)) do
    local n = number(v, 'queue')
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
    for a = 11, #ARGV do
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
local counter = tonumber(redis.call('GET', K_COUNTER) or '0')
if not counter then
  fail('counter is not a number')
end
local nxt = redis.call('LINDEX', K_QUEUE, 0)
return cjson.encode({
  open = redis.call('EXISTS', K_DAY) == 1,
  counter = counter,
  queue_length = redis.call('LLEN', K_QUEUE),
  next = nxt and number(nxt, 'queue') or nil,
  waiting = waiting,
  logs = logs,
  desks = desks,
  stats = stats_table(),
  activity = activity,
  key_count = redis.call('EXISTS', K_DAY, K_COUNTER, K_QUEUE, K_CURRENT, K_DESKS, K_LOGS,
    K_STATS, K_ACTIVITY, K_IDEM) + counter,
  pttl = redis.call('PTTL', K_LOGS),
})
