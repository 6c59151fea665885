-- account_lib.lua: the prelude of every account script (account_*.lua); redis/accounts.rs
-- prepends it to each file at load time. The day scripts' lib.lua is not part of them.
--
-- KEYS (the same for every account script): 1 the base of the account keys,
-- "<prefix>:{accounts}:" ("<prefix>:accounts:" when the prefix carries its own hash tag),
-- to which a script appends the names below; they all share that one hash tag, so every
-- call touches one slot of a Redis Cluster.
--   accounts              SET     every username; no TTL
--   account:<username>    HASH    username, display_name, role, enabled ("1" | "0"),
--                                 password (Argon2id PHC string), desk ("" none),
--                                 call_any ("1" | "0": an agent may call out of
--                                 order; absent means "0"), created, updated (µs);
--                                 no TTL
--   session:<id>          HASH    user, desk ("" none), created, seen (µs); TTL the
--                                 absolute lifetime (12 h) from its creation
--   sessions:<username>   SET     the account's session ids (some maybe expired); TTL
--                                 12 h from its last session's creation
--   fail:addr:<client>    STRING  "<count> <first µs> <last µs>": failed sign-ins from
--   fail:user:<username>          an address, for a username; TTL until forgotten
--   tokens                HASH    token id -> JSON {id, username, label, created_at,
--                                 digest}; no TTL
--   token:<sha-256 hex>   STRING  token id; no TTL
--   audit                 LIST    "<at µs> <account|*> <desk|*> <action> <JSON entry>",
--                                 newest first; TTL 90 days from the last entry
-- Times come in ARGV (scripts never call TIME) and decide; TTLs only clean up.
local BASE = KEYS[1]

local function key(name)
  return BASE .. name
end

local function fail(detail)
  error({err = 'CORRUPT ' .. detail})
end

-- HGETALL's flat list as a table; nil when the key does not exist.
local function read_hash(k)
  local flat = redis.call('HGETALL', k)
  if #flat == 0 then
    return nil
  end
  local t = {}
  for i = 1, #flat, 2 do
    t[flat[i]] = flat[i + 1]
  end
  return t
end

local function read_account(username)
  return read_hash(key('account:' .. username))
end

-- Deletes every session of an account; how many existed.
local function revoke_sessions(username)
  local set = key('sessions:' .. username)
  local n = 0
  for _, id in ipairs(redis.call('SMEMBERS', set)) do
    n = n + redis.call('DEL', key('session:' .. id))
  end
  redis.call('DEL', set)
  return n
end

-- A JSON array of items already encoded (cjson writes an empty table as {}).
local function json_array(items)
  return '[' .. table.concat(items, ',') .. ']'
end
