-- webhook_finish.lua: how an attempt at a delivery ended.
-- KEYS[1] the base of the webhook keys, `<prefix>:{webhooks}:`
-- ARGV[1] the delivery's id, ARGV[2] "delivered" | "retry" | "failed", ARGV[3] the error,
-- ARGV[4] when to try again (µs, "retry"), ARGV[5] now (µs), ARGV[6] how long the record
-- is kept (s), ARGV[7] the most failed deliveries kept
-- Returns: "ok" | "gone" (no such delivery)
local base, id, outcome = KEYS[1], ARGV[1], ARGV[2]
local key, queue, failed = base .. 'delivery:' .. id, base .. 'queue', base .. 'failed'
if outcome == 'delivered' then
  redis.call('DEL', key)
  redis.call('ZREM', queue, id)
  return 'ok'
end
if redis.call('EXISTS', key) == 0 then
  redis.call('ZREM', queue, id)
  return 'gone'
end
redis.call('HINCRBY', key, 'attempts', 1)
redis.call('HSET', key, 'last_error', ARGV[3])
if outcome == 'retry' then
  redis.call('ZADD', queue, ARGV[4], id)
else
  redis.call('HSET', key, 'failed', '1')
  redis.call('ZREM', queue, id)
  redis.call('ZADD', failed, ARGV[5], id)
  local over = redis.call('ZCARD', failed) - tonumber(ARGV[7])
  if over > 0 then
    for _, old in ipairs(redis.call('ZRANGE', failed, 0, over - 1)) do
      redis.call('DEL', base .. 'delivery:' .. old)
    end
    redis.call('ZREMRANGEBYRANK', failed, 0, over - 1)
  end
end
redis.call('EXPIRE', key, ARGV[6])
return 'ok'
