-- webhook_enqueue.lua: enqueues deliveries, each once: an id seen before is skipped.
-- KEYS[1] the base of the webhook keys, `<prefix>:{webhooks}:`
-- ARGV[1] now (µs since the epoch), ARGV[2] how long a delivery's record is kept (s),
-- ARGV[3] how long an id is remembered (s), then per delivery: id, hook, event, body
-- Returns: how many were new
local base, now = KEYS[1], ARGV[1]
local new = 0
for i = 4, #ARGV, 4 do
  local id = ARGV[i]
  if redis.call('SET', base .. 'seen:' .. id, '1', 'NX', 'EX', ARGV[3]) then
    local key = base .. 'delivery:' .. id
    redis.call('HSET', key, 'hook', ARGV[i + 1], 'event', ARGV[i + 2], 'body', ARGV[i + 3],
      'attempts', '0', 'created_at', now, 'failed', '0')
    redis.call('EXPIRE', key, ARGV[2])
    redis.call('ZADD', base .. 'queue', now, id)
    new = new + 1
  end
end
return new
