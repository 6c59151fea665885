-- account_session_get.lua: a live session and its account; its last use becomes now. A
-- session past its absolute or idle lifetime, or whose account is gone or disabled, is
-- deleted.
-- KEYS: see account_lib.lua.
-- ARGV[1] session id, ARGV[2] now (µs), ARGV[3] idle lifetime (µs),
-- ARGV[4] absolute lifetime (µs)
-- Returns: JSON {"session": {hash}, "account": {hash}} | {} when none is alive.
local id = ARGV[1]
local s = key('session:' .. id)
local h = read_hash(s)
if not h then
  return '{}'
end
local now = tonumber(ARGV[2])
local created, seen = tonumber(h.created), tonumber(h.seen)
if not created or not seen or not h.user then
  fail(s .. ' is not a session')
end
local a = read_account(h.user)
if now >= created + tonumber(ARGV[4]) or now >= seen + tonumber(ARGV[3])
    or not a or a.enabled ~= '1' then
  redis.call('DEL', s)
  redis.call('SREM', key('sessions:' .. h.user), id)
  return '{}'
end
redis.call('HSET', s, 'seen', ARGV[2])
return cjson.encode({session = h, account = a})
