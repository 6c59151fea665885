-- account_token_revoke.lua: deletes a token.
-- KEYS: see account_lib.lua.
-- ARGV[1] token id
-- Returns: JSON {"revoked": 1} | {"revoked": 0} when there was none.
local tokens = key('tokens')
local record = redis.call('HGET', tokens, ARGV[1])
if not record then
  return cjson.encode({revoked = 0})
end
local ok, t = pcall(cjson.decode, record)
if not ok or type(t) ~= 'table' or type(t.digest) ~= 'string' then
  fail(tokens .. ' holds a record that is not a token')
end
redis.call('DEL', key('token:' .. t.digest))
redis.call('HDEL', tokens, ARGV[1])
return cjson.encode({revoked = 1})
