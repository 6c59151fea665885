-- reset_day.lua: wipes the day (tickets, counter, queue, desks, logs, counters, activity,
-- idempotency keys); the day ends closed and numbering restarts at 1. The event number
-- (stats.seq) is kept so that event ids never go back. Logs reset_day.
-- KEYS, ARGV 1-7: see lib.lua. No operation arguments.
-- Returns: JSON {"tickets_removed": n}
check_layout()
local counter = tonumber(redis.call('GET', K_COUNTER) or '0')
if not counter then
  fail('counter is not a number')
end
local batch = {}
for n = 1, counter do
  batch[#batch + 1] = ticket_key(n)
  if #batch == 500 then
    redis.call('DEL', unpack(batch))
    batch = {}
  end
end
if #batch > 0 then
  redis.call('DEL', unpack(batch))
end
local seq = redis.call('HGET', K_STATS, 'seq')
redis.call('DEL', K_DAY, K_COUNTER, K_QUEUE, K_CURRENT, K_DESKS, K_LOGS, K_STATS, K_ACTIVITY, K_IDEM)
if seq then
  redis.call('HSET', K_STATS, 'seq', seq)
end
record('reset_day')
return cjson.encode({tickets_removed = counter})
