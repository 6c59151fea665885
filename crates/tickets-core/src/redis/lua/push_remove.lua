-- push_remove.lua: removes a ticket's push subscriptions: the one of an endpoint, or all.
-- KEYS[1] <prefix>:{<day>}:push  HASH  (see push_add.lua)
-- ARGV[1] the ticket number, ARGV[2] the endpoint ("": every subscription of the ticket)
-- Returns: how many were removed
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then
  return 0
end
local subs = cjson.decode(raw)
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return #subs
end
local kept = {}
for _, text in ipairs(subs) do
  if cjson.decode(text).endpoint ~= ARGV[2] then
    kept[#kept + 1] = text
  end
end
if #kept == 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(kept))
end
return #subs - #kept
