-- account_fail_clear.lua: forgets the failed sign-ins of a username.
-- KEYS: see account_lib.lua.
-- ARGV[1] username
-- Returns: JSON {}.
redis.call('DEL', key('fail:user:' .. ARGV[1]))
return '{}'
