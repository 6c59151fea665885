-- lib.lua: the prelude of every day script, with commit.lua (what a change writes at its
-- end), queues.lua (reading the queue index), moves.lua (moving tickets between queues),
-- desks.lua (the calling rule) and batch.lua (calls run as one). scripts.rs makes them
-- into one function library (Redis 7: loaded once per server, each script a function that
-- starts with begin(KEYS, ARGV)) and, for a server without functions, into one script per
-- operation, the prelude and its parts before the operation's file, which run at every
-- call. (The configuration scripts, config_*.lua, run without it.)
-- Numbers go to Redis as text where they already are (a Lua number passed to redis.call
-- or joined to a string is formatted each time).
--
-- KEYS: one, the same for every day script, the day's open marker "<prefix>:{<day>}:day".
-- The names of the day's other keys are its base ("<prefix>:{<day>}:") then a name, which
-- begin() makes once per day (a key passed costs Redis about 1,300 instructions a call).
-- The day's keys (numbered as in keys.rs: day_layout):
--   1 day       STRING  open marker
--   2 counter   STRING  last number given (the day's unique ticket numbers)
--   3 waiting   ZSET    every waiting ticket of every service; member and score = its number
--   4 current   STRING  current ticket of the default desk
--   5 desks     HASH    desk id -> current number ("0" when idle)
--   6 logs      LIST    newest first; at least the last 50 (trimmed back to 50 past 100)
--   7 stats     HASH    counters (seq, served, service_us, no_show, desk:<id>:…,
--                       svc:<code>:called|wait_us|within|served|wb:<bucket>; the day's
--                       called and wait_us are the sums of the svc: ones)
--   8 activity  HASH    "<epoch minute>|<action>" -> count
--   9 idem base: "<prefix>:{<day>}:idem:"; key K is the STRING K_IDEM .. K,
--                "<number> <ticket's creation_time> <valid until, µs>", with a TTL of the
--                idempotency window (minutes): their number is bounded by the take rate
--  10 ticket base: "<prefix>:{<day>}:ticket:"; ticket N is K_TICKET .. N (same hash tag)
--  11 numbers   HASH    service -> last number given in that service (labels)
--  12 streaks   HASH    desk id -> priority tickets it called in a row
--  13 queues    HASH    the queue index: queue name -> "<size> <number> <label>", the size
--                       of the queue and its head's number and label
--  14 queue base: "<prefix>:{<day>}:queue:"; queue <name> is K_QUEUE .. <name>, the name
--                 being "<service>" (people without priority) or "<service>:<class>"
--  15 heads      ZSET   service -> the score of the head of its queue without priority;
--                       also the base of "heads:<class>", the same for the queues of a class
--  16 head_times ZSET   queue name -> when its head was taken (µs since the epoch)
--  17 classes    HASH   class -> how many of its queues have a head
--  18 limit base: "<prefix>:{<day>}:limit:"; client C's take counter is the STRING
--                 K_LIMIT .. C, "<tickets taken> <window end, µs>", with a TTL of the window
--  19 history   HASH   "<number>@<creation_time>" -> the ticket's history line (history.rs),
--                       rewritten at every change of the ticket, kept for the history TTL
--                       after the day's last take; "_closed" -> when the day was closed
-- The index (13, 15, heads:<class>, 16, 17) has entries for the non-empty queues only.
-- A queue is a ZSET of its waiting tickets in calling order: the score is the ticket
-- number (arrival order) or what a transfer gave it; the member is the number on nine
-- digits ("000000042"), so that equal scores fall back to number order as in memory.rs.
--
-- ARGV (common head):
--   1 now, microseconds since the epoch   2 now as "<seconds>.<6 digits>"
--   3 now as ISO-8601 UTC                 4 TTL in seconds for every key written
--   5 the day "YYYY-MM-DD"                6 the pub/sub channel of events
--   7 the default desk id
-- Operation arguments follow from ARGV[8]. What a script needs of the office
-- configuration comes in its arguments too (the configuration key is in another slot).
-- ARGV (common tail, after the operation's arguments):
--   #ARGV - 1  the staff account acting ("" when unknown)
--   #ARGV      the history TTL in seconds ("0": no history is kept)
--
-- A script reads and checks everything before its first write, so that foreign data
-- fails it with nothing written: a read of a key of the wrong type fails (WRONGTYPE), and
-- the keys it would write without reading them first get their type checked
-- (check_types; check_layout checks every fixed key). The log lines, counters, TTLs and
-- events of a change are written together at the end (commit); a take sets the TTL of its
-- new ticket's hash right after writing it.

-- The call's state, set by begin() (below) at the start of every call: its arguments
-- (ARGS: the call's ARGV, for the functions of the prelude), keys and common arguments.
local ARGS
local K_DAY, K_COUNTER, K_WAITING, K_CURRENT, K_DESKS
local K_LOGS, K_STATS, K_ACTIVITY, K_IDEM, K_TICKET
local K_NUMBERS, K_STREAKS, K_QUEUES, K_QUEUE
local K_HEADS, K_HEAD_TIMES, K_CLASSES, K_LIMIT
local K_HISTORY
local NOW_US_TEXT, NOW, NOW_ISO, TTL, DAY, CHANNEL, DEFAULT_DESK
local BY, HISTORY_TTL
local NOW_US
local MINUTE, MINUTE_TEXT
-- The chart's counter of each action in the current minute (the activity hash's fields):
-- action -> "<epoch minute>|<action>", made once a minute.
local MINUTE_ACTIONS = {}
-- The TTLs this library set in the current second: key -> the TTL. The logs get their TTL
-- again at every change (the snapshot reports it: the day's keys live from their last
-- change) and the history at every take (it lives its TTL after the day's last take), but
-- in the same second with the same TTL that would set what is already there, so it is
-- skipped (docs/benchmarks.md, item 16). Part of the library's state, which lasts from one
-- call to the next when the scripts run as functions (with EVALSHA it is made again at
-- each call, and the TTLs set every time); emptied at each new second.
local TTL_SET, TTL_SECOND = {}, nil

-- The text of a whole number: Lua's own (sprintf "%.14g", which writes 1e+14 for 10^14)
-- below 10^14, "%.0f" above. Numbers go to Redis as text where they already are: each
-- number turned into text costs about 2,500 instructions (docs/benchmarks.md, item 16).
-- Below 10^9 the text is made of the texts of its groups of three digits, each made once
-- and kept (at most 2,000 texts: keeping every text made was tried, and a table of 65,536
-- made every take slower under load, the garbage collector walking it); below 10^6, two
-- of them joined (no call again, no math.floor: item 22).
local SMALL, THREE = {}, {}
local function small(v)
  local s = tostring(v)
  SMALL[v] = s
  return s
end
local function three(r)
  local t = string.format('%03d', r)
  THREE[r] = t
  return t
end
-- A whole number below 1000 on three digits ("007").
local function three_digits(r)
  return THREE[r] or three(r)
end

local function text(v)
  if v >= 0 and v < 1e6 and v % 1 == 0 then
    if v < 1000 then
      return SMALL[v] or small(v)
    end
    local r = v % 1000
    local q = (v - r) / 1000
    return (SMALL[q] or small(q)) .. (THREE[r] or three(r))
  end
  if v >= 0 and v < 1e9 and v % 1 == 0 then
    local r = v % 1000
    return text((v - r) / 1000) .. (THREE[r] or three(r))
  end
  if v < 1e14 then
    return tostring(v)
  end
  return string.format('%.0f', v)
end

local function fail(detail)
  error({err = 'CORRUPT ' .. detail})
end

-- The cheapest read of a key of each type: it answers a number (0 for no key) and fails
-- (WRONGTYPE) on a key of another type. `TYPE` costs more: its answer, a status, becomes a
-- Lua table (docs/benchmarks.md, item 15).
local SIZE_OF = {string = 'STRLEN', list = 'LLEN', hash = 'HLEN', zset = 'ZCARD', set = 'SCARD'}

-- A batch of calls is running (run_batch, batch.lua); nil outside a batch. The calls of a
-- batch gather their log lines, counters, TTLs, history and events together, and the batch
-- writes them once, at its end: commit() does nothing in a call of a batch. What a call
-- of the batch learnt that the next ones need not ask Redis again, as nothing but the
-- batch writes the day's keys while it runs:
--   checked  key -> true for the keys whose type was checked; `commit` -> true once the
--            keys every change writes at commit were (check_commit_keys)
--   open     the day is open (its marker was read)
--   counter  the day's counter after the last take (a number)
--   waiting  the waiting set as the calls before left it: {len = how many wait, heads =
--            the first numbers, in order (all of them when #heads >= len)}; read once,
--            with as many heads as the batch's call-nexts will need (`nexts`: those not
--            run yet), then kept by each take, call-next and finish (keep_waiting); a call
--            that fails forgets it (run_batch)
--   numbers  service -> the last number given in the service (the batch's takes add
--            theirs to the day's counters at its end, with the others: see add)
--   nexts    how many of its call-nexts have not run yet
--   desks    desk -> its current ticket as the batch's calls wrote it, and (in order)
--            the desks written: written once, at its end (flush_desks)
-- and what its takes keep back until its end, or until a call that is not a take
-- (flush_takes), as only takes would read it meanwhile:
--   taken    how many tickets its takes numbered (the counter moves by that many)
--   entries  queue name -> its index entry as the batch's takes read or left it, as {its
--            size, the rest of its text (" <head's number> <head's label>")}; `dirty`
--            lists (in order, and as a set) those changed and not written yet; any other
--            call forgets them
local BATCH

-- Fails unless each key holds nothing or the type given: check_types(key, type, …). In a
-- batch a key is checked once. (The arguments are read with select: no table to make.)
local function check_types(...)
  for i = 1, select('#', ...), 2 do
    local key, kind = select(i, ...)
    if not (BATCH and BATCH.checked[key]) then
      local r = redis.pcall(SIZE_OF[kind], key)
      if type(r) == 'table' then
        fail(key .. ' is a ' .. redis.call('TYPE', key)['ok'] .. ', expected a ' .. kind)
      end
      if BATCH then
        BATCH.checked[key] = true
      end
    end
  end
end

-- The keys every change writes at commit and may not have read (the log, the chart's
-- counts, the day's counters, the history); in a batch, checked by its first call.
local function check_commit_keys()
  if not (BATCH and BATCH.checked.commit) then
    check_types(K_LOGS, 'list', K_ACTIVITY, 'hash', K_STATS, 'hash', K_HISTORY, 'hash')
    if BATCH then
      BATCH.checked.commit = true
    end
  end
end

-- Every fixed key of the day (the scripts that are not on the hot path check them all).
local function check_layout()
  check_types(K_DAY, 'string', K_COUNTER, 'string', K_WAITING, 'zset', K_CURRENT, 'string',
    K_DESKS, 'hash', K_LOGS, 'list', K_STATS, 'hash', K_ACTIVITY, 'hash',
    K_NUMBERS, 'hash', K_STREAKS, 'hash', K_QUEUES, 'hash', K_HEADS, 'zset',
    K_HEAD_TIMES, 'zset', K_CLASSES, 'hash', K_HISTORY, 'hash')
end

-- What commit() writes: the keys whose TTL it sets (each once, listed in order and as a
-- set), the counters to add (hash key -> field -> delta, fields in order), the log lines
-- (oldest first) and the events (the first SETTLED of them know the waiting set's state
-- they report: see settle).
local TOUCH, COUNTERS, LINES, EVENTS, SETTLED
-- The tickets changed, whose history lines commit() writes (numbers as text, in order),
-- and, for some, their table when it is known to be the hash as it now is (CURRENT[n]);
-- and the history of the tickets taken, field and line after field and line, written
-- before the others' (a ticket changed after its take gets its later line after it).
local CHANGED, CURRENT, TAKEN

-- Starts a call: its keys and arguments, and nothing gathered yet (in a batch, what the
-- calls before it gathered). The keys' names are made when the day key is not the one of
-- the call before (they are part of the library's state, which lasts from one call to the
-- next when the scripts run as functions).
local function begin(keys, argv)
  ARGS = argv
  if keys[1] ~= K_DAY then
    local base = string.sub(keys[1], 1, -4)
    if base .. 'day' ~= keys[1] then
      error({err = 'ERR the day key ' .. tostring(keys[1]) .. ' does not end with :day'})
    end
    K_DAY = keys[1]
    K_COUNTER, K_WAITING, K_CURRENT = base .. 'counter', base .. 'waiting', base .. 'current'
    K_DESKS, K_LOGS, K_STATS = base .. 'desks', base .. 'logs', base .. 'stats'
    K_ACTIVITY, K_IDEM, K_TICKET = base .. 'activity', base .. 'idem:', base .. 'ticket:'
    K_NUMBERS, K_STREAKS, K_QUEUES = base .. 'numbers', base .. 'streaks', base .. 'queues'
    K_QUEUE, K_HEADS, K_HEAD_TIMES = base .. 'queue:', base .. 'heads', base .. 'head_times'
    K_CLASSES, K_LIMIT, K_HISTORY = base .. 'classes', base .. 'limit:', base .. 'history'
  end
  NOW_US_TEXT, NOW, NOW_ISO, TTL, DAY, CHANNEL, DEFAULT_DESK =
    argv[1], argv[2], argv[3], argv[4], argv[5], argv[6], argv[7]
  BY, HISTORY_TTL = argv[#argv - 1], argv[#argv]
  NOW_US = tonumber(NOW_US_TEXT)
  -- (Whole numbers of µs, below 2^53: exact without math.floor, a global and a C call.)
  local second = (NOW_US - NOW_US % 1000000) / 1000000
  if second ~= TTL_SECOND then
    TTL_SET, TTL_SECOND = {}, second
  end
  local minute = (NOW_US - NOW_US % 60000000) / 60000000
  if minute ~= MINUTE then
    -- (Kept from call to call, as the key names are: one text made per minute.)
    MINUTE, MINUTE_TEXT = minute, tostring(minute)
    MINUTE_ACTIONS = {}
  end
  if not BATCH then
    TOUCH, COUNTERS, LINES, EVENTS, SETTLED = {}, {}, {}, {}, 0
    CHANGED, CURRENT, TAKEN = {}, {}, {}
  end
end

-- Sets the TTL of `key` at commit. A script calls it for every key it may have created
-- (and commit for the logs, whose TTL the snapshot reports): a key that was there before
-- the script got its TTL, which reaches the end of its day, when it was created.
local function touch(key)
  if not TOUCH[key] then
    TOUCH[key] = true
    TOUCH[#TOUCH + 1] = key
  end
end

-- Keeps a queue's index entry ({size, rest}: see BATCH), as a take of a batch changed it,
-- to write later.
local function keep_entry(name, entry)
  BATCH.entries[name] = entry
  local dirty = BATCH.dirty
  if not dirty[name] then
    dirty[name] = true
    dirty[#dirty + 1] = name
  end
end

-- Writes what a batch's takes kept back (see BATCH): the queue index entries they
-- changed, in one HSET, and the day's counter, moved by the tickets they numbered.
local function flush_takes()
  local dirty = BATCH.dirty
  if #dirty > 0 then
    local args = {}
    for i, name in ipairs(dirty) do
      local entry = BATCH.entries[name]
      args[2 * i - 1], args[2 * i] = name, text(entry[1]) .. entry[2]
    end
    redis.call('HSET', K_QUEUES, unpack(args))
    BATCH.dirty = {}
  end
  if BATCH.taken > 0 then
    redis.call('INCRBY', K_COUNTER, BATCH.taken)
    BATCH.taken = 0
  end
end

local function add(key, field, delta)
  local c = COUNTERS[key]
  if not c then
    c = {}
    COUNTERS[key] = c
    COUNTERS[#COUNTERS + 1] = key
  end
  if not c[field] then
    c[#c + 1] = field
    c[field] = 0
  end
  c[field] = c[field] + delta
end

local function ticket_key(n)
  return K_TICKET .. n
end

-- A ticket number read from one of our keys, or an error if it is not one. Where it was
-- read: `where`, or field `field` of hash `where` (the text made only for the error).
local function number(v, where, field)
  local n = tonumber(v)
  if not n or n < 1 or n % 1 ~= 0 then
    if field then
      where = where .. '[' .. field .. ']'
    end
    fail(where .. ' holds ' .. tostring(v) .. ', not a ticket number')
  end
  return n
end

-- A count read from one of our keys (absent: 0), or an error if it is not one. Where it
-- was read: `where`, or field `field` of hash `where` (the text made only for the error).
local function count(v, where, field)
  if not v then
    return 0
  end
  local n = tonumber(v)
  if not n or n < 0 or n % 1 ~= 0 then
    if field then
      where = where .. '[' .. field .. ']'
    end
    fail(where .. ' holds ' .. tostring(v) .. ', not a count')
  end
  return n
end

-- "<seconds>.<6 digits>" -> its seconds and microseconds, as text. Where it was read:
-- `where`, or field `field` of `where` (the text made only for the error).
local function time_parts(v, where, field)
  local s, f = string.match(v or '', '^(%d+)%.(%d%d%d%d%d%d)$')
  if not s then
    if field then
      where = where .. ' ' .. field
    end
    fail(where .. ' holds ' .. tostring(v) .. ', not a time')
  end
  return s, f
end

-- "<seconds>.<6 digits>" -> microseconds.
local function micros(v, where, field)
  local s, f = time_parts(v, where, field)
  return tonumber(s) * 1000000 + tonumber(f)
end

-- "<seconds>.<6 digits>" -> microseconds as text (for a score: no number made and
-- printed again).
local function micros_text(v, where, field)
  local s, f = time_parts(v, where, field)
  return s .. f
end

-- A hash as a table (empty when the key does not exist), filled into `t` when given.
local function hash_table(key, t)
  local flat = redis.call('HGETALL', key)
  t = t or {}
  for i = 1, #flat, 2 do
    t[flat[i]] = flat[i + 1]
  end
  return t, #flat
end

-- A ticket hash as a table, or nil. The table is made with a place for each field a ticket
-- may have (a field set to nil in a constructor takes its place and stays invisible):
-- filled from empty, it would grow four or five times on the way, each time moved whole.
local function ticket_table(n)
  local t, size = hash_table(ticket_key(n), {ticket_number = nil, creation_time = nil,
    creation_time_iso = nil, service_type = nil, status = nil, label = nil, priority = nil,
    called_time = nil, desk = nil, account = nil, finish_time = nil, recalls = nil,
    transfers = nil})
  if size == 0 then
    return nil
  end
  return t
end

local function stats_table()
  return (hash_table(K_STATS))
end

-- The current ticket of a desk: its number as text, or nil; and whether the desk has its
-- entry (then the desks key exists). In a batch, as the calls before left it (BATCH.desks).
local function current_of(desk)
  local v = BATCH and BATCH.desks[desk]
  if v == nil then
    v = redis.call('HGET', K_DESKS, desk)
  end
  if not v or v == '0' then
    return nil, v ~= false
  end
  number(v, 'desks', desk)
  return v, true
end

-- Makes ticket n (its number as text, or '0' for none) the desk's current one; `known`:
-- the desk already has its entry. In a batch, the desks' entries are written once, at its
-- end (flush_desks).
local function set_current(desk, n, known)
  if BATCH then
    local desks = BATCH.desks
    if not desks[desk] then
      desks[#desks + 1] = desk
    end
    desks[desk] = n
  else
    redis.call('HSET', K_DESKS, desk, n)
  end
  if not known then
    touch(K_DESKS)
  end
  if desk == DEFAULT_DESK then
    if n == '0' then
      redis.call('DEL', K_CURRENT)
    else
      redis.call('SET', K_CURRENT, n, 'EX', TTL)
    end
  end
end

-- Writes the desks' entries a batch's calls changed, in one HSET. (BATCH.desks: desk ->
-- its current ticket as the batch's calls wrote it; and, in order, the desks written.)
local function flush_desks()
  local desks = BATCH.desks
  if #desks > 0 then
    local args = {}
    for i, desk in ipairs(desks) do
      args[2 * i - 1], args[2 * i] = desk, desks[desk]
    end
    redis.call('HSET', K_DESKS, unpack(args))
  end
end

-- The desk's priority calls in a row, and whether it has its entry.
local function streak_of(desk)
  local v = redis.call('HGET', K_STREAKS, desk)
  return count(v, 'streaks', desk), v ~= false
end

-- The waiting set as events report it: how many wait, and at least the first `first`
-- (1 or 2) numbers (as text), in order (fewer when fewer wait). In a batch, as its calls
-- before left it (BATCH.waiting), read when it does not know enough, with one more head
-- for each call-next of the batch still to run. The range's end goes as text: a Lua number costs
-- Redis a printf to turn into an argument.
local LAST_RANK = {'0', '1'}
local function waiting_state(first)
  local w = BATCH and BATCH.waiting
  if w and (#w.heads >= first or #w.heads >= w.len) then
    return w.len, w.heads
  end
  local last = LAST_RANK[first]
  if BATCH and BATCH.nexts > 0 then
    last = text(first - 1 + BATCH.nexts)
  end
  local len = redis.call('ZCARD', K_WAITING)
  local heads = redis.call('ZRANGE', K_WAITING, '0', last)
  for i = 1, #heads do
    number(heads[i], 'waiting')
  end
  return len, heads
end

-- In a batch, the waiting set as this call leaves it: `len` tickets, `heads` the first of
-- them in order (see waiting_state), for the calls after it.
local function keep_waiting(len, heads)
  if BATCH then
    -- (The batch's table, kept from call to call: none made per call.)
    local w = BATCH.waiting
    if w then
      w.len, w.heads = len, heads
    else
      BATCH.waiting = {len = len, heads = heads}
    end
  end
end

-- The priority class of a ticket table: its code, or '' for none.
local function class_of(t)
  return t.priority or ''
end

-- The heads of the queues of a class ('' for people without priority): a ZSET of services.
local function heads_key(class)
  if class == '' then
    return K_HEADS
  end
  return K_HEADS .. ':' .. class
end

-- The name of the queue of a service and class ('' for people without priority).
local function queue_name(service, class)
  if class == '' then
    return service
  end
  return service .. ':' .. class
end

-- A ticket number as a queue member: nine digits, so that members sort as numbers. Text
-- gets its zeros put in front (ZEROS[#n]: written out, as the library's own code runs
-- without `string` when it loads); a number is printed (see waiting_state).
local ZEROS = {'00000000', '0000000', '000000', '00000', '0000', '000', '00', '0', ''}
local function member(n)
  if type(n) == 'string' then
    return (ZEROS[#n] or '') .. n
  end
  return string.format('%09d', n)
end

-- The office's priority classes from the call's ARGV[i]: their count, then the code and
-- weight of each, in byte order of their codes. Returns code -> weight (people without
-- priority, and classes no longer configured, weigh 0), the index after them, and code ->
-- place in that order (1, 2, …).
-- (No class: the same two empty tables every time, which nothing writes.)
local NO_WEIGHTS, NO_PLACES = {}, {}
local function read_weights(i)
  if ARGS[i] == '0' then
    return NO_WEIGHTS, i + 1, NO_PLACES
  end
  local w, place = {}, {}
  local c = tonumber(ARGS[i])
  for j = 1, c do
    local code = ARGS[i + 2 * j - 1]
    w[code] = tonumber(ARGS[i + 2 * j])
    place[code] = j
  end
  return w, i + 1 + 2 * c, place
end

-- A ticket hash as the server reads it in a reply (replies.rs: ticket_from_line): the
-- fields it reads, in that order, joined by tabs, '' for a field the hash does not have.
-- (One concatenation: cheaper than cjson for the server to write and to read.)
local function ticket_line(h)
  return (h.ticket_number or '') .. '\t' .. (h.service_type or '') .. '\t' .. (h.status or '') ..
    '\t' .. (h.creation_time or '') .. '\t' .. (h.called_time or '') .. '\t' ..
    (h.finish_time or '') .. '\t' .. (h.desk or '') .. '\t' .. (h.recalls or '') .. '\t' ..
    (h.label or '') .. '\t' .. (h.priority or '') .. '\t' .. (h.transfers or '')
end

-- A refusal the Rust side turns into an Error.
local function refuse(what, t)
  return cjson.encode({error = what, status = t and t.status or nil})
end

-- The chart's fields ("<epoch minute>|<action>") of the last `minutes` minutes, minute by
-- minute, for the action names ARGS[from..to], and those names: made again only when the
-- minute, the number of minutes or the names change (part of the library's state, as the
-- key names are: a dashboard asks again within the minute, and each field made costs a
-- string and, for its minute, a number printed).
local CHART = {}
local function chart_fields(minutes, from, to)
  local c = CHART
  local same = c.minute == MINUTE and c.minutes == minutes and #c.names == to - from + 1
  for i = from, to do
    if not same then
      break
    end
    same = c.names[i - from + 1] == ARGS[i]
  end
  if not same then
    local names, fields = {}, {}
    for i = from, to do
      names[#names + 1] = ARGS[i]
    end
    for m = MINUTE - minutes + 1, MINUTE do
      local minute = text(m) .. '|'
      for _, name in ipairs(names) do
        fields[#fields + 1] = minute .. name
      end
    end
    c = {minute = MINUTE, minutes = minutes, names = names, fields = fields}
    CHART = c
  end
  return c.fields, c.names
end

-- (commit.lua, the parts a script needs, then the script, follow)
