-- account_token_check.lua: the token of a digest and its account, if it is enabled.
-- KEYS: see account_lib.lua.
-- ARGV[1] the SHA-256 of the token presented (hex)
-- Returns: JSON {"token": record, "account": {hash}} | {} when unknown or disabled.
local id = redis.call('GET', key('token:' .. ARGV[1]))
if not id then
  return '{}'
end
local tokens = key('tokens')
local record = redis.call('HGET', tokens, id)
if not record then
  return '{}'
end
local ok, t = pcall(cjson.decode, record)
if not ok or type(t) ~= 'table' or type(t.username) ~= 'string' then
  fail(tokens .. ' holds a record that is not a token')
end
local a = read_account(t.username)
if not a or a.enabled ~= '1' then
  return '{}'
end
return '{"token":' .. record .. ',"account":' .. cjson.encode(a) .. '}'
