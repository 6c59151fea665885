-- leave.lua: the holder of a waiting ticket leaves the queue; the ticket becomes
-- 'cancelled'. With lib.lua, queues.lua and moves.lua.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] ticket number, ARGV[9] its creation_time (which names it: a reset gives its
-- number again)
-- Returns: JSON {"error": "not_found"} | {"error": "wrong_status", "status": s}
--        | {"ticket": {hash}} (a ticket already cancelled is answered as it is)
check_layout()
local n, created = ARGV[8], ARGV[9]
number(n, 'ARGV')
local t = ticket_table(n)
if not t or t.creation_time ~= created then
  return refuse('not_found')
end
if t.status == 'cancelled' then
  return cjson.encode({ticket = t})
end
if t.status ~= 'waiting' then
  return refuse('wrong_status', t)
end
check_types(heads_key(class_of(t)), 'zset')
-- The queue first: foreign data there fails the leave (WRONGTYPE) before any write.
dequeue(t.service_type, class_of(t), n)
redis.call('HSET', ticket_key(n), 'status', 'cancelled', 'finish_time', NOW)
t.status, t.finish_time = 'cancelled', NOW
add(K_STATS, 'left', 1)
record('leave_queue', n, nil, t)
-- `t` is the whole hash with the two fields written.
CURRENT[n] = t
commit()
return cjson.encode({ticket = t})
