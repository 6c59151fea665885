-- webhook_resend.lua: makes a failed delivery due again now, with a new day of retries.
-- KEYS[1] the base of the webhook keys, `<prefix>:{webhooks}:`
-- ARGV[1] the delivery's id, ARGV[2] now (µs), ARGV[3] how long the record is kept (s)
-- Returns: 1 | 0 (no such failed delivery)
local base, id = KEYS[1], ARGV[1]
local key = base .. 'delivery:' .. id
if redis.call('HGET', key, 'failed') ~= '1' then
  return 0
end
redis.call('HSET', key, 'failed', '0', 'created_at', ARGV[2])
redis.call('EXPIRE', key, ARGV[3])
redis.call('ZREM', base .. 'failed', id)
redis.call('ZADD', base .. 'queue', ARGV[2], id)
return 1
