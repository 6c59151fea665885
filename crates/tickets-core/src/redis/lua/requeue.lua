-- requeue.lua: puts a no-show ticket back in its queue, at its arrival place. With
-- lib.lua, queues.lua and moves.lua.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] ticket number
-- Returns: JSON {"error": "not_found"} | {"error": "wrong_status", "status": s}
--        | {"ticket": {hash}}
check_layout()
local n = ARGV[8]
local own = number(n, 'ARGV')
local t = ticket_table(n)
if not t then
  return refuse('not_found')
end
if t.status ~= 'no_show' then
  return refuse('wrong_status', t)
end
local key = ticket_key(n)
check_types(heads_key(class_of(t)), 'zset')
-- The queue first: foreign data there fails the requeue (WRONGTYPE) before any write.
enqueue(t.service_type, class_of(t), own, n)
redis.call('HSET', key, 'status', 'waiting')
redis.call('HDEL', key, 'called_time', 'finish_time', 'desk', 'account')
t = ticket_table(n)
record('requeue', n, nil, t)
commit()
return cjson.encode({ticket = t})
