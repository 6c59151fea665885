-- webhook_list.lua: the deliveries kept: the failed ones, newest first, then those waiting
-- for their next attempt; at most 200 of each. Entries whose record expired are dropped.
-- KEYS[1] the base of the webhook keys, `<prefix>:{webhooks}:`
-- Returns: JSON [{"id", "hook", "event", "body", "attempts", "created_at", "failed",
-- "last_error"?}, …]
local base = KEYS[1]
local out = {}
local function add(set, ids)
  for _, id in ipairs(ids) do
    local flat = redis.call('HGETALL', base .. 'delivery:' .. id)
    if #flat == 0 then
      redis.call('ZREM', set, id)
    else
      local d = {id = id}
      for i = 1, #flat, 2 do
        d[flat[i]] = flat[i + 1]
      end
      out[#out + 1] = d
    end
  end
end
add(base .. 'failed', redis.call('ZREVRANGE', base .. 'failed', 0, 199))
add(base .. 'queue', redis.call('ZRANGE', base .. 'queue', 0, 199))
if #out == 0 then
  return '[]'
end
return cjson.encode(out)
