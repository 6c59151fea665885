-- commit.lua: what a change leaves besides its keys, gathered as a script goes and written
-- once at its end (in a batch, at the batch's end): its log line, its counts for the chart
-- and the day's figures, its ticket's history line and its event (record, commit); and the
-- change that finish, no-show and a call-next share, ending a desk's ticket (end_ticket).
-- Part of the function library, and prepended (after lib.lua) to every day script when
-- it goes by EVALSHA. See lib.lua for the layout.

-- EVENT LINES. An event goes to the servers (listener.rs: parse_event) as its fields
-- joined by '|', '' for none, numbers in decimal. No field holds a '|': they are numbers,
-- times, codes and labels, made of letters, digits, '-' and '_'.
--   seq | day | at (µs) | action | ticket | desk | queue_length | next_ticket | service |
--   label | priority
-- record keeps each event's line from its first '|' (EVENTS); commit puts its number, from
-- the day's event counter, before it.

-- A number (or its text) as text; nil as ''.
local function as_text(v)
  if type(v) == 'number' then
    return text(v)
  end
  return v or ''
end

-- Records a change's log line, its count for the chart and its event (numbered at
-- commit): record's, for a ticket `n` (its number as text, or nil) of `service`, `label`
-- and class `priority` ('' for none of each).
local function record_event(action, n, desk, service, label, priority, len, head)
  -- (One concatenation each: no text made on the way.)
  local line
  if n and desk then
    line = NOW_ISO .. '|' .. action .. ':' .. n .. '@' .. desk
  elseif n then
    line = NOW_ISO .. '|' .. action .. ':' .. n
  elseif desk then
    line = NOW_ISO .. '|' .. action .. '@' .. desk
  else
    line = NOW_ISO .. '|' .. action
  end
  LINES[#LINES + 1] = line
  local minute_action = MINUTE_ACTIONS[action]
  if not minute_action then
    minute_action = MINUTE_TEXT .. '|' .. action
    MINUTE_ACTIONS[action] = minute_action
  end
  add(K_ACTIVITY, minute_action, 1)
  -- The event's line but its number, given at commit (see EVENT LINES): one text, or,
  -- while the waiting set's state is not known, the texts before and after it (settle).
  if len then
    EVENTS[#EVENTS + 1] = '|' .. DAY .. '|' .. NOW_US_TEXT .. '|' .. action .. '|' ..
      (n or '') .. '|' .. (desk or '') .. '|' .. text(len) .. '|' .. as_text(head) .. '|' ..
      service .. '|' .. label .. '|' .. priority
  else
    EVENTS[#EVENTS + 1] = {'|' .. DAY .. '|' .. NOW_US_TEXT .. '|' .. action .. '|' ..
      (n or '') .. '|' .. (desk or '') .. '|', '|' .. service .. '|' .. label .. '|' .. priority}
  end
end

-- Records a change: its log line, its count for the chart, its event (numbered at commit)
-- and, for a ticket, its history line (at commit). `n` is the ticket's number as text, `t`
-- its table (its service, label and class go in the event); `len` and `head` the waiting
-- set after the change (nil: read at commit, when the change is the script's last).
local function record(action, n, desk, t, len, head)
  if n then
    -- A change made after its table was known: the hash is read again at commit.
    CURRENT[n] = nil
    if not CHANGED[n] then
      CHANGED[n] = true
      CHANGED[#CHANGED + 1] = n
    end
  end
  local service, label, priority = '', '', ''
  if t then
    service, label = t.service_type or '', t.label or t.ticket_number or ''
    priority = t.priority or ''
  end
  record_event(action, n, desk, service, label, priority, len, head)
end

-- The history line of a ticket hash (history.rs: HistoryRecord::from_line). A take writes
-- its new ticket's line itself (take.lua, into TAKEN): the two stay in step.
local function history_line(h)
  -- (One concatenation: no table to make, as table.concat needs.)
  return h.status .. '|' .. h.service_type .. '|' .. (h.priority or '') .. '|' ..
    (h.desk or '') .. '|' .. (h.account or '') .. '|' .. (h.label or h.ticket_number) .. '|' ..
    h.creation_time .. '|' .. (h.called_time or '') .. '|' .. (h.finish_time or '') .. '|' ..
    (h.recalls or '0') .. '|' .. (h.transfers or '0')
end

-- Writes the history line of every ticket changed, as its hash now is (its table when
-- the script still holds it as it is, read again otherwise); a new line (a take) sets the
-- history's TTL (once a second: see TTL_SET).
local function write_history()
  if HISTORY_TTL == '0' then
    return
  end
  -- (The takes' lines first: see TAKEN.)
  local args = TAKEN
  for _, n in ipairs(CHANGED) do
    local h = CURRENT[n] or ticket_table(n)
    if h then
      args[#args + 1] = n .. '@' .. h.creation_time
      args[#args + 1] = history_line(h)
    end
  end
  if #args > 0 and redis.call('HSET', K_HISTORY, unpack(args)) > 0
      and TTL_SET[K_HISTORY] ~= HISTORY_TTL then
    redis.call('EXPIRE', K_HISTORY, HISTORY_TTL)
    TTL_SET[K_HISTORY] = HISTORY_TTL
  end
end

-- Marks every record of the day still waiting or at a desk as unserved; returns how many.
local function history_unserved()
  local flat = redis.call('HGETALL', K_HISTORY)
  local args = {}
  for i = 1, #flat, 2 do
    local status, rest = string.match(flat[i + 1], '^([%a_]+)(|.*)$')
    if status == 'waiting' or status == 'in_progress' then
      args[#args + 1] = flat[i]
      args[#args + 1] = 'unserved' .. rest
    end
  end
  for start = 1, #args, 1000 do
    redis.call('HSET', K_HISTORY, unpack(args, start, math.min(start + 999, #args)))
  end
  return #args / 2
end

-- Gives the events recorded without the waiting set's state (a call's last change) that
-- state as it is now: at commit, and after each call of a batch.
local function settle()
  local len, heads
  for i = SETTLED + 1, #EVENTS do
    local event = EVENTS[i]
    if type(event) == 'table' then
      if not len then
        len, heads = waiting_state(1)
      end
      EVENTS[i] = event[1] .. text(len) .. '|' .. as_text(heads[1]) .. event[2]
    end
  end
  SETTLED = #EVENTS
end

-- Writes what the script gathered (in a batch, what its calls gathered, at its end): the
-- log lines (one LPUSH; trimmed back to 50 once past 100), the counters (HINCRBY for one
-- field of a hash, HMGET + HSET for several), the TTL of every key written (one EXPIRE
-- each), then the events, numbered from the day's event counter, in one PUBLISH (their
-- lines joined by '\n').
local function commit()
  if BATCH then
    return
  end
  write_history()
  if #LINES > 0 then
    local len = redis.call('LPUSH', K_LOGS, unpack(LINES))
    if len > 100 then
      redis.call('LTRIM', K_LOGS, 0, 49)
    end
    -- (A list this push made has no TTL yet, whatever was set before.)
    if len == #LINES or TTL_SET[K_LOGS] ~= TTL then
      touch(K_LOGS)
    end
  end
  -- (The day's event counter moves by the events, counted here rather than by each.)
  if #EVENTS > 0 then
    add(K_STATS, 'seq', #EVENTS)
  end
  local seq = 0
  for _, key in ipairs(COUNTERS) do
    local c = COUNTERS[key]
    -- Whether the hash was there before (one of its fields was).
    local known = false
    if #c == 1 then
      local f = c[1]
      local d = c[f]
      local v = redis.call('HINCRBY', key, f, text(d))
      known = v ~= d
      if f == 'seq' then seq = v end
    else
      local now = redis.call('HMGET', key, unpack(c))
      local args = {}
      for i, f in ipairs(c) do
        known = known or now[i] ~= false
        local v = count(now[i], key, f) + c[f]
        args[2 * i - 1], args[2 * i] = f, text(v)
        if f == 'seq' then seq = v end
      end
      redis.call('HSET', key, unpack(args))
    end
    if not known then
      touch(key)
    end
  end
  for _, key in ipairs(TOUCH) do
    redis.call('EXPIRE', key, TTL)
  end
  -- (After the EXPIREs: a call that failed before them set nothing.)
  if TOUCH[K_LOGS] then
    TTL_SET[K_LOGS] = TTL
  end
  settle()
  local count = #EVENTS
  if count == 1 then
    redis.call('PUBLISH', CHANNEL, text(seq) .. EVENTS[1])
  elseif count > 1 then
    -- (Each number and line once into the message: no line made again with its number.)
    local parts, k = {}, 0
    for i, line in ipairs(EVENTS) do
      if i > 1 then
        k = k + 1
        parts[k] = '\n'
      end
      parts[k + 1], parts[k + 2] = text(seq - count + i), line
      k = k + 2
    end
    redis.call('PUBLISH', CHANNEL, table.concat(parts))
  end
end

-- Ends a desk's current ticket n (text), whose table is t: 'completed' (finish) or
-- 'no_show'. `calling`: the desk calls another ticket in the same step (its desk entry is
-- written then). `len`, `head`: see record. Returns the ticket's table.
local function end_ticket(desk, n, t, status, calling, len, head)
  local key = ticket_key(n)
  if not t.called_time then
    fail('ticket ' .. n .. ' is current at desk ' .. desk .. ' but was never called')
  end
  local dur = math.max(0, NOW_US - micros(t.called_time, key, 'called_time'))
  redis.call('HSET', key, 'status', status, 'finish_time', NOW)
  t.status, t.finish_time = status, NOW
  if status == 'completed' then
    add(K_STATS, 'served', 1)
    add(K_STATS, 'service_us', dur)
    add(K_STATS, 'desk:' .. desk .. ':served', 1)
    add(K_STATS, 'desk:' .. desk .. ':service_us', dur)
    add(K_STATS, 'svc:' .. tostring(t.service_type) .. ':served', 1)
  else
    add(K_STATS, 'no_show', 1)
  end
  if not calling then
    set_current(desk, '0', true)
  end
  record(status == 'completed' and 'finish_current' or 'no_show', n, desk, t, len, head)
  -- `t` was the whole hash (each caller read it so) and now has the two fields written.
  CURRENT[n] = t
  return t
end
