-- account_token_create.lua: stores a new API token of an existing account.
-- KEYS: see account_lib.lua.
-- ARGV[1] username, ARGV[2] token id, ARGV[3] the token's SHA-256 (hex),
-- ARGV[4] the token's record (JSON: id, username, label, created_at, digest)
-- Returns: JSON {"created": true} | {} when the account does not exist.
if redis.call('EXISTS', key('account:' .. ARGV[1])) == 0 then
  return '{}'
end
redis.call('HSET', key('tokens'), ARGV[2], ARGV[4])
redis.call('SET', key('token:' .. ARGV[3]), ARGV[2])
return cjson.encode({created = true})
