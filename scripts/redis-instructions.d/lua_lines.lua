-- lua_lines.lua: where the Lua of the day's scripts spends its instructions, line by line.
-- Run by scripts/redis-instructions --lua-lines under Debian's lua5.1 (with lua-cjson), the
-- Lua of Redis 7.0: the function library as the server loaded it, against an imitation of
-- Redis kept in Lua tables (the commands the day's scripts use, with their types and
-- answers), replays an FCALL captured from the server and counts the virtual machine's
-- instructions on each line of the library (a count hook). Redis's own time (its commands,
-- strings, tables, the garbage collector) is not in these counts: they say which lines run
-- most, and `callgrind` says what they cost (docs/benchmarks.md, item 28).
--
--   lua5.1 lua_lines.lua LIBRARY FCALL PER_CALL CALLS [FILL FILL_CALLS]
--
-- FCALL and FILL: an FCALL's words, one a line, "__rand_int__" in a word replaced by a
-- new number at each call (as redis-benchmark does). FILL is called FILL_CALLS times first
-- (tickets for the staff cycle to call); FCALL 20 times, then CALLS times counted.
-- PER_CALL: the requests one FCALL holds, to print the counts per request.
local cjson = require('cjson')

-- The imitation of Redis: key -> {t = type, ...}.
local store = {}
local function wrongtype()
  error({err = 'WRONGTYPE Operation against a key holding the wrong kind of value'})
end
local function get(key, kind)
  local e = store[key]
  if e and kind and e.t ~= kind then
    wrongtype()
  end
  return e
end
local function made(key, kind, fields)
  local e = get(key, kind)
  if not e then
    e = fields
    e.t = kind
    store[key] = e
  end
  return e
end

-- A sorted set: member -> score, and the members in order (score, then member).
local function before(e, a, b)
  local sa, sb = e.s[a], e.s[b]
  return sa < sb or (sa == sb and a < b)
end
local function zset(key)
  return made(key, 'zset', {s = {}, order = {}})
end
local function zrem(e, m)
  if e.s[m] == nil then
    return 0
  end
  for i, x in ipairs(e.order) do
    if x == m then
      table.remove(e.order, i)
      break
    end
  end
  e.s[m] = nil
  return 1
end
local function zadd(e, score, m)
  local added = zrem(e, m) == 0 and 1 or 0
  e.s[m] = tonumber(score)
  local lo, hi = 1, #e.order + 1
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if before(e, e.order[mid], m) then
      lo = mid + 1
    else
      hi = mid
    end
  end
  table.insert(e.order, lo, m)
  return added
end
local function score_text(v)
  return string.format('%.17g', v)
end

local C = {}
function C.EXISTS(...)
  local n = 0
  for _, k in ipairs({...}) do
    if store[k] then n = n + 1 end
  end
  return n
end
function C.DEL(...)
  local n = C.EXISTS(...)
  for _, k in ipairs({...}) do store[k] = nil end
  return n
end
function C.EXPIRE() return 1 end
function C.PUBLISH() return 1 end
function C.TYPE(k) return {ok = store[k] and store[k].t or 'none'} end
function C.GET(k)
  local e = get(k, 'string')
  return e and e.v or false
end
function C.SET(k, v)
  store[k] = {t = 'string', v = v}
  return {ok = 'OK'}
end
function C.STRLEN(k)
  local e = get(k, 'string')
  return e and #e.v or 0
end
function C.INCRBY(k, d)
  local e = made(k, 'string', {v = '0'})
  local v = tonumber(e.v) + tonumber(d)
  e.v = string.format('%d', v)
  return v
end
function C.INCR(k) return C.INCRBY(k, 1) end
local function hash(k) return made(k, 'hash', {h = {}, n = 0}) end
function C.HGET(k, f)
  local e = get(k, 'hash')
  return e and e.h[f] or false
end
function C.HEXISTS(k, f) return C.HGET(k, f) and 1 or 0 end
function C.HSET(k, ...)
  local e, a, n = hash(k), {...}, 0
  for i = 1, #a, 2 do
    if e.h[a[i]] == nil then
      n = n + 1
      e.n = e.n + 1
    end
    e.h[a[i]] = a[i + 1]
  end
  return n
end
function C.HDEL(k, ...)
  local e, n = get(k, 'hash'), 0
  if e then
    for _, f in ipairs({...}) do
      if e.h[f] ~= nil then
        e.h[f], e.n, n = nil, e.n - 1, n + 1
      end
    end
    if e.n == 0 then store[k] = nil end
  end
  return n
end
function C.HINCRBY(k, f, d)
  local e = hash(k)
  if e.h[f] == nil then e.n = e.n + 1 end
  local v = tonumber(e.h[f] or '0') + tonumber(d)
  e.h[f] = string.format('%d', v)
  return v
end
function C.HMGET(k, ...)
  local e, r = get(k, 'hash'), {}
  for i, f in ipairs({...}) do r[i] = e and e.h[f] or false end
  return r
end
function C.HLEN(k)
  local e = get(k, 'hash')
  return e and e.n or 0
end
function C.HGETALL(k)
  local e, r = get(k, 'hash'), {}
  if e then
    for f, v in pairs(e.h) do
      r[#r + 1] = f
      r[#r + 1] = v
    end
  end
  return r
end
function C.LLEN(k)
  local e = get(k, 'list')
  return e and #e.l or 0
end
function C.LPUSH(k, ...)
  local e = made(k, 'list', {l = {}})
  for _, v in ipairs({...}) do table.insert(e.l, 1, v) end
  return #e.l
end
function C.LRANGE(k, from, to)
  local e, r = get(k, 'list'), {}
  if e then
    for i = tonumber(from) + 1, math.min(tonumber(to) + 1, #e.l) do r[#r + 1] = e.l[i] end
  end
  return r
end
function C.PTTL(k) return store[k] and 36000000 or -2 end
function C.LTRIM(k, from, to)
  local e, l = get(k, 'list'), {}
  for i = tonumber(from) + 1, tonumber(to) + 1 do l[#l + 1] = e.l[i] end
  e.l = l
  return {ok = 'OK'}
end
function C.ZADD(k, ...)
  local e, a, n = zset(k), {...}, 0
  for i = 1, #a, 2 do n = n + zadd(e, a[i], a[i + 1]) end
  return n
end
function C.ZREM(k, ...)
  local e, n = get(k, 'zset'), 0
  if e then
    for _, m in ipairs({...}) do n = n + zrem(e, m) end
    if #e.order == 0 then store[k] = nil end
  end
  return n
end
function C.ZCARD(k)
  local e = get(k, 'zset')
  return e and #e.order or 0
end
function C.SCARD(k) return get(k, 'set') and 1 or 0 end
function C.ZSCORE(k, m)
  local e = get(k, 'zset')
  return e and e.s[m] and score_text(e.s[m]) or false
end
function C.ZRANK(k, m)
  local e = get(k, 'zset')
  if e and e.s[m] then
    for i, x in ipairs(e.order) do
      if x == m then return i - 1 end
    end
  end
  return false
end
-- ZRANGE key start stop [WITHSCORES], or ZRANGE key min max BYSCORE [WITHSCORES] with
-- '-inf' or a number as min and a number, '(' before it for an open end, as max.
function C.ZRANGE(k, from, to, ...)
  local e, r, opts = get(k, 'zset'), {}, {}
  for _, o in ipairs({...}) do opts[string.upper(o)] = true end
  if not e then return r end
  local function put(m)
    r[#r + 1] = m
    if opts.WITHSCORES then r[#r + 1] = score_text(e.s[m]) end
  end
  if opts.BYSCORE then
    local open = string.sub(to, 1, 1) == '('
    local max = tonumber(open and string.sub(to, 2) or to)
    local min = from == '-inf' and -math.huge or tonumber(from)
    for _, m in ipairs(e.order) do
      local s = e.s[m]
      if s >= min and (s < max or (not open and s == max)) then put(m) end
    end
    return r
  end
  local n = #e.order
  local a, b = tonumber(from), tonumber(to)
  if a < 0 then a = n + a end
  if b < 0 then b = n + b end
  for i = math.max(a, 0) + 1, math.min(b, n - 1) + 1 do put(e.order[i]) end
  return r
end

local function dispatch(name, ...)
  local command = C[string.upper(name)]
  if not command then
    error('lua_lines.lua imitates no ' .. name .. ': add it')
  end
  return command(...)
end
local functions = {}
redis = {
  call = dispatch,
  pcall = function(...)
    local ok, r = pcall(dispatch, ...)
    if ok then return r end
    return type(r) == 'table' and r or {err = tostring(r)}
  end,
  register_function = function(a, b)
    if type(a) == 'table' then
      functions[a.function_name] = a.callback
    else
      functions[a] = b
    end
  end,
  error_reply = function(e) return {err = e} end,
  status_reply = function(s) return {ok = s} end,
}
_G.cjson = cjson

local library_file, fcall_file, per_call, calls, fill_file, fill_calls =
  arg[1], arg[2], tonumber(arg[3]), tonumber(arg[4]), arg[5], tonumber(arg[6] or 0)
local source = assert(io.open(library_file)):read('*a')
source = string.gsub(source, '^#![^\n]*\n', '')
assert(loadstring(source, '=library'))()

-- An FCALL from its file: the function and its keys and arguments, '__rand_int__' made a
-- new number at each call.
local serial = 0
local function fcall_of(file)
  local words = {}
  for line in io.lines(file) do words[#words + 1] = line end
  local f = functions[words[2]] or error('no function ' .. tostring(words[2]) .. ' in the library')
  local nkeys = tonumber(words[3])
  local keys = {unpack(words, 4, 3 + nkeys)}
  local argv = {unpack(words, 4 + nkeys)}
  return function()
    local a = {}
    for i, w in ipairs(argv) do
      a[i] = string.gsub(w, '__rand_int__', function()
        serial = serial + 1
        return tostring(serial)
      end)
    end
    local answer = f(keys, a)
    if type(answer) == 'table' and answer.err then
      error('the FCALL failed: ' .. answer.err)
    end
    return answer
  end, keys[1]
end

local run, day_key = fcall_of(fcall_file)
store[day_key] = {t = 'string', v = '1'}
if fill_file then
  local fill = fcall_of(fill_file)
  for _ = 1, fill_calls do fill() end
end
for _ = 1, 20 do run() end

local by_line, by_function, total = {}, {}, 0
debug.sethook(function()
  local info = debug.getinfo(2, 'Sl')
  if info.source == '=library' then
    by_line[info.currentline] = (by_line[info.currentline] or 0) + 1
    by_function[info.linedefined] = (by_function[info.linedefined] or 0) + 1
    total = total + 1
  end
end, '', 1)
local answer
for _ = 1, calls do answer = run() end
debug.sethook()

local lines = {}
for line in (source .. '\n'):gmatch('([^\n]*)\n') do lines[#lines + 1] = line end
local requests = calls * per_call
local function top(counts, limit, title)
  local order = {}
  for l in pairs(counts) do order[#order + 1] = l end
  table.sort(order, function(a, b) return counts[a] > counts[b] end)
  print('')
  print('| ' .. title .. ' | instructions per request | line of the library |')
  print('|---|---:|---|')
  for i = 1, math.min(#order, limit) do
    local l = order[i]
    local text = string.gsub(string.gsub(lines[l] or '', '^%s+', ''), '|', '\\|')
    print(string.format('| %d | %.1f | `%s` |', l, counts[l] / requests, string.sub(text, 1, 90)))
  end
end
print(string.format('Lua instructions per request: %.1f (%d calls of %d requests; the last answer: %s)',
  total / requests, calls, per_call, string.sub(string.gsub(tostring(answer), '\n', ' / '), 1, 80)))
top(by_function, 25, 'function (its first line)')
top(by_line, 40, 'line')
