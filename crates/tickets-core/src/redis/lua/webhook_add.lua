-- webhook_add.lua: registers a webhook, at most ARGV[3] of them.
-- KEYS[1] the base of the webhook keys, `<prefix>:{webhooks}:` (see redis/webhooks.rs)
-- ARGV[1] the hook's id, ARGV[2] the hook as JSON, ARGV[3] the most hooks kept
-- Returns: "ok" | "too_many"
local hooks = KEYS[1] .. 'hooks'
if redis.call('HLEN', hooks) >= tonumber(ARGV[3]) and redis.call('HEXISTS', hooks, ARGV[1]) == 0 then
  return 'too_many'
end
redis.call('HSET', hooks, ARGV[1], ARGV[2])
return 'ok'
