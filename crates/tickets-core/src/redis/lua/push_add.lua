-- push_add.lua: keeps a browser's push subscription to a ticket (push/mod.rs); the same
-- endpoint again replaces its subscription.
-- KEYS[1] <prefix>:{<day>}:push  HASH  ticket number -> JSON array of the ticket's
--         subscriptions, each a JSON text (kept as text: cjson would round the times)
-- ARGV[1] the ticket number, ARGV[2] the subscription as JSON, ARGV[3] its endpoint,
-- ARGV[4] the most subscriptions per ticket, ARGV[5] the TTL in seconds (the day's)
-- Returns: "ok" | "too_many"
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local subs = raw and cjson.decode(raw) or {}
local kept, found = {}, false
for _, text in ipairs(subs) do
  if cjson.decode(text).endpoint == ARGV[3] then
    kept[#kept + 1] = ARGV[2]
    found = true
  else
    kept[#kept + 1] = text
  end
end
if not found then
  if #kept >= tonumber(ARGV[4]) then
    return 'too_many'
  end
  kept[#kept + 1] = ARGV[2]
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(kept))
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 'ok'
