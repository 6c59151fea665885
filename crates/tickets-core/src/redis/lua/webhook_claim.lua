-- webhook_claim.lua: the deliveries due, each hidden from other claims until its lease
-- ends; those of a hook that was removed are dropped.
-- KEYS[1] the base of the webhook keys, `<prefix>:{webhooks}:`
-- ARGV[1] now (µs), ARGV[2] the end of the lease (µs), ARGV[3] the most to claim
-- Returns: JSON [{"id", "hook", "event", "body", "attempts", "created_at", "failed",
-- "last_error"?}, …]
local base = KEYS[1]
local queue = base .. 'queue'
local due = redis.call('ZRANGEBYSCORE', queue, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(due) do
  local key = base .. 'delivery:' .. id
  local flat = redis.call('HGETALL', key)
  local d = {id = id}
  for i = 1, #flat, 2 do
    d[flat[i]] = flat[i + 1]
  end
  if #flat == 0 or redis.call('HEXISTS', base .. 'hooks', d.hook) == 0 then
    redis.call('ZREM', queue, id)
    redis.call('DEL', key)
  else
    redis.call('ZADD', queue, ARGV[2], id)
    out[#out + 1] = d
  end
end
if #out == 0 then
  return '[]'
end
return cjson.encode(out)
