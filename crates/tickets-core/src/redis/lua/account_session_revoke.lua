-- account_session_revoke.lua: ends one session (sign-out).
-- KEYS: see account_lib.lua.
-- ARGV[1] session id
-- Returns: JSON {"revoked": 1} | {"revoked": 0} when there was none.
local id = ARGV[1]
local s = key('session:' .. id)
local u = redis.call('HGET', s, 'user')
if not u then
  return cjson.encode({revoked = 0})
end
redis.call('DEL', s)
redis.call('SREM', key('sessions:' .. u), id)
return cjson.encode({revoked = 1})
