-- account_create.lua: creates an account; with ARGV[7] = "admin", only when no account
-- has the admin role (the bootstrap).
-- KEYS: see account_lib.lua.
-- ARGV[1] username, ARGV[2] display name, ARGV[3] role, ARGV[4] password hash,
-- ARGV[5] default desk ("" none), ARGV[6] now (µs), ARGV[7] "create" | "admin",
-- ARGV[8] "1" when an agent may call out of order | "0"
-- Returns: JSON {"account": {hash}} | {"taken": true} when the name is taken |
-- {} when an administrator exists already (ARGV[7] = "admin").
local u = ARGV[1]
if ARGV[7] == 'admin' then
  for _, m in ipairs(redis.call('SMEMBERS', key('accounts'))) do
    if redis.call('HGET', key('account:' .. m), 'role') == 'admin' then
      return '{}'
    end
  end
end
local k = key('account:' .. u)
if redis.call('EXISTS', k) == 1 then
  return cjson.encode({taken = true})
end
redis.call('HSET', k, 'username', u, 'display_name', ARGV[2], 'role', ARGV[3],
  'enabled', '1', 'password', ARGV[4], 'desk', ARGV[5], 'call_any', ARGV[8],
  'created', ARGV[6], 'updated', ARGV[6])
redis.call('SADD', key('accounts'), u)
return cjson.encode({account = read_account(u)})
