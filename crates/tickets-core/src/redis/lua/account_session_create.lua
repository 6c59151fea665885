-- account_session_create.lua: starts a session for an enabled account.
-- KEYS: see account_lib.lua.
-- ARGV[1] username, ARGV[2] session id, ARGV[3] desk ("" none), ARGV[4] now (µs),
-- ARGV[5] the absolute lifetime (s)
-- Returns: JSON {"created": true} | {} when the account does not exist or is disabled.
local u, id = ARGV[1], ARGV[2]
if redis.call('HGET', key('account:' .. u), 'enabled') ~= '1' then
  return '{}'
end
-- The ids of sessions that expired leave the account's set.
local set = key('sessions:' .. u)
for _, old in ipairs(redis.call('SMEMBERS', set)) do
  if redis.call('EXISTS', key('session:' .. old)) == 0 then
    redis.call('SREM', set, old)
  end
end
local s = key('session:' .. id)
redis.call('HSET', s, 'user', u, 'desk', ARGV[3], 'created', ARGV[4], 'seen', ARGV[4])
redis.call('EXPIRE', s, ARGV[5])
redis.call('SADD', set, id)
redis.call('EXPIRE', set, ARGV[5])
return cjson.encode({created = true})
