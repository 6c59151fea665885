-- account_get.lua: one account, password hash included (for the sign-in).
-- KEYS: see account_lib.lua.
-- ARGV[1] username
-- Returns: JSON {"account": {hash}} | {} when there is none.
local a = read_account(ARGV[1])
if not a then
  return '{}'
end
return cjson.encode({account = a})
