-- account_sessions_revoke.lua: ends every session of an account.
-- KEYS: see account_lib.lua.
-- ARGV[1] username
-- Returns: JSON {"revoked": n}.
return cjson.encode({revoked = revoke_sessions(ARGV[1])})
