-- reset_day.lua: wipes the day (tickets, counter, waiting set, queues, desks, logs,
-- counters, activity, per-service numbers, streaks); the day ends closed and numbering
-- restarts at 1. Idempotency keys and per-client take counters live on until their short
-- TTL: a key names its ticket's creation time, so it gives back no ticket made after the
-- reset. The event number (stats.seq) is kept so that event
-- ids never go back. Logs reset_day.
-- KEYS, ARGV 1-7: see lib.lua. No operation arguments.
-- Returns: JSON {"tickets_removed": n}
check_layout()
-- The history stays: the tickets still waiting or at a desk are recorded as unserved.
history_unserved()
local counter = count(redis.call('GET', K_COUNTER), 'counter')
local batch = {}
local function flush()
  if #batch > 0 then
    redis.call('DEL', unpack(batch))
    batch = {}
  end
end
for n = 1, counter do
  batch[#batch + 1] = ticket_key(n)
  if #batch == 500 then
    flush()
  end
end
-- Every non-empty queue has its entry in the index.
for _, name in ipairs(redis.call('HKEYS', K_QUEUES)) do
  batch[#batch + 1] = K_QUEUE .. name
  if #batch == 500 then
    flush()
  end
end
-- And every class with a head has its set of heads.
for _, class in ipairs(redis.call('HKEYS', K_CLASSES)) do
  batch[#batch + 1] = heads_key(class)
  if #batch == 500 then
    flush()
  end
end
flush()
local seq = redis.call('HGET', K_STATS, 'seq')
redis.call('DEL', K_DAY, K_COUNTER, K_WAITING, K_CURRENT, K_DESKS, K_LOGS, K_STATS, K_ACTIVITY,
  K_NUMBERS, K_STREAKS, K_QUEUES, K_HEADS, K_HEAD_TIMES, K_CLASSES)
if seq then
  redis.call('HSET', K_STATS, 'seq', seq)
  touch(K_STATS)
end
record('reset_day')
commit()
return cjson.encode({tickets_removed = counter})
