-- account_token_list.lua: every token's record (without the secret, which is not kept).
-- KEYS: see account_lib.lua.
-- No ARGV.
-- Returns: JSON [record, …], in no order.
return json_array(redis.call('HVALS', key('tokens')))
