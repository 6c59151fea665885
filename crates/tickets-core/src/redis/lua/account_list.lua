-- account_list.lua: every account.
-- KEYS: see account_lib.lua.
-- No ARGV.
-- Returns: JSON [{hash}, …], in no order.
local out = {}
for _, u in ipairs(redis.call('SMEMBERS', key('accounts'))) do
  local a = read_account(u)
  if a then
    out[#out + 1] = cjson.encode(a)
  end
end
return json_array(out)
