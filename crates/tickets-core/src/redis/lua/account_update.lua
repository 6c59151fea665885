-- account_update.lua: changes fields of an account, and revokes its sessions in the same
-- step when asked (disabling it, changing its password).
-- KEYS: see account_lib.lua.
-- ARGV[1] username, ARGV[2] now (µs), ARGV[3] "1" to revoke its sessions | "0",
-- ARGV[4…] field, value, field, value… (display_name, role, enabled, password, desk,
-- call_any)
-- Returns: JSON {"account": {hash}, "revoked": n} | {} when there is no such account.
local u = ARGV[1]
local k = key('account:' .. u)
if redis.call('EXISTS', k) == 0 then
  return '{}'
end
redis.call('HSET', k, 'updated', ARGV[2], unpack(ARGV, 4))
local revoked = 0
if ARGV[3] == '1' then
  revoked = revoke_sessions(u)
end
return cjson.encode({account = read_account(u), revoked = revoked})
