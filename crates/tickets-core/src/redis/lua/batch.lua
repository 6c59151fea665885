-- batch.lua: the calls of take, call-next and finish made at once, run as one (batch.rs):
-- each as it would alone, what they gathered written once at the end (commit.lua). Part of
-- the function library, after the bodies of the batched scripts, and the end of the
-- batch's own script when it goes by EVALSHA. See lib.lua for the layout.

-- One call of a batch: its script's body, then the state of the waiting set given to its
-- events (the calls after it change it).
local function run_one(body, keys, argv)
  local answer = body(keys, argv)
  settle()
  return answer
end

-- The text of a call's error on one line: the error raised (fail: a table with `err`;
-- Redis's own, of a command, likewise; a Lua error: its text) or answered
-- (redis.error_reply).
local function error_text(e)
  local t = type(e) == 'table' and e.err or ('ERR ' .. tostring(e))
  return (string.gsub(t, '[\r\n]', ' '))
end

-- Runs several calls of the day's writing scripts as one (batch.rs): `argv` holds, for
-- each call, its script's name in `bodies`, how many arguments it has, then its arguments,
-- as that call alone would have them; `keys` is the day's key, the same for every call.
-- Each call runs in turn as it would alone and sees what the ones before it wrote; a call
-- that fails fails alone (every script raises its errors before its first write). What the
-- calls gathered is written once, at the end (commit). Returns their answers, one a line:
-- the call's answer (JSON), or '!' and its error.
local function run_batch(keys, argv, bodies)
  TOUCH, COUNTERS, LINES, EVENTS, SETTLED = {}, {}, {}, {}, 0
  CHANGED, CURRENT, TAKEN = {}, {}, {}
  -- (Every call is checked to be there before the first runs: a batch fails whole only
  -- before anything is written.)
  local i, nexts, counts = 1, 0, {}
  while i <= #argv do
    local count = tonumber(argv[i + 1])
    if not bodies[argv[i]] or not count or count < 0 or i + 1 + count > #argv then
      error({err = 'ERR batch: no call ' .. tostring(argv[i]) .. ' with ' ..
        tostring(argv[i + 1]) .. ' arguments'})
    end
    if argv[i] == 'call_next' then
      nexts = nexts + 1
    end
    counts[#counts + 1] = count
    i = i + 2 + count
  end
  BATCH = {checked = {}, numbers = {}, taken = 0, entries = {}, dirty = {}, nexts = nexts,
    desks = {}}
  local out = {}
  i = 1
  for c = 1, #counts do
    local name, count = argv[i], counts[c]
    local body = bodies[name]
    if name ~= 'take' then
      flush_takes()
      BATCH.entries = {}
      if name == 'call_next' then
        BATCH.nexts = BATCH.nexts - 1
      end
    end
    local ok, answer = pcall(run_one, body, keys, {unpack(argv, i + 2, i + 1 + count)})
    if not ok then
      -- (It may have written part of what it would: what the batch knew may be wrong.)
      BATCH.waiting = nil
    end
    if not ok and type(answer) == 'table' and type(answer.err) == 'string'
        and string.sub(answer.err, 1, 8) == 'READONLY' then
      -- A replica (the server was demoted): no call of the batch wrote anything. The batch
      -- fails whole, so that the server finds the primary again (call.rs).
      BATCH = nil
      error(answer)
    end
    if ok and type(answer) == 'string' then
      out[#out + 1] = answer
    else
      out[#out + 1] = '!' .. error_text(answer)
    end
    i = i + 2 + count
  end
  flush_takes()
  flush_desks()
  BATCH = nil
  commit()
  return table.concat(out, '\n')
end
