# Sourced by scripts/bench (not run on its own): the Redis side: its server, MONITOR counts, redis-benchmark.
# Uses the settings and helpers scripts/bench defines before sourcing it.

# --- Redis -----------------------------------------------------------------------------

start_redis() {
  local version extra=() i
  version="$(redis-server --version | sed -n 's/.* v=\([0-9]*\)\..*/\1/p')"
  [ "${version:-0}" -ge 7 ] && extra+=(--enable-debug-command yes)
  for i in 1 2 3; do
    redis_port="$(free_port)"
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "$work" --logfile "$work/redis-$redis_port.log" "${extra[@]}" &
    redis_pid=$!
    pids+=("$redis_pid")
    for ((t = 0; t < 500; t++)); do
      [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] && return
      kill -0 "$redis_pid" 2>/dev/null || break
      nap 0.01
    done
    stop_pid "$redis_pid"
  done
  die "could not start redis-server (log in $work)"
}
rcli() { redis-cli -p "$redis_port" "$@"; }

declare -A rt_total rt_detail
monitor_pid=""

monitor_start() {
  local file="$work/monitor-$1.txt" i
  redis-cli -p "$redis_port" monitor >"$file" &
  monitor_pid=$!
  pids+=("$monitor_pid")
  for ((i = 0; i < 300; i++)); do
    grep -q '^OK' "$file" 2>/dev/null && return
    nap 0.01
  done
  die "MONITOR did not start"
}

# monitor_stop NAME CALLS: counts the commands clients sent (not those run by scripts).
# The staff audit's writes (a script on the `{accounts}` keys, sent after the answers, in
# batches) are counted apart: they are not on the answer's path. So are the reads of the
# server's background tasks, which come with time, not with requests: the webhooks list
# (read again at most every 2 s while events flow), the webhook deliveries' claim (every
# second) and the day's push subscriptions.
monitor_stop() {
  local name="$1" calls="$2" file="$work/monitor-$1.txt" n audit background detail
  nap 0.3
  stop_pid "$monitor_pid"
  {
    read -r n
    read -r audit
    read -r background
    read -r detail
  } < <(awk 'NR > 1 && $3 != "lua]" && $4 != "" {
      cmd = toupper($4); gsub(/"/, "", cmd)
      if ($7 ~ /[{]accounts[}]/) { audit++; next }
      if ((cmd == "HGETALL" && ($5 ~ /[{]webhooks[}]:hooks"$/ || $5 ~ /[}]:push"$/)) ||
          (cmd == "EVALSHA" && $7 ~ /^"[^"]*[{]webhooks[}]:"$/)) {
        background++; next
      }
      n++; c[cmd]++
    }
    END {
      print n + 0; print audit + 0; print background + 0
      for (k in c) printf "%s%s %d", (m++ ? ", " : ""), k, c[k]
      print ""
    }' "$file")
  rt_total[$name]="$(calc '%.2f' "$n / $calls")"
  rt_detail[$name]="${detail:-none} in $calls calls"
  if [ "$audit" -gt 0 ]; then
    rt_detail[$name]+="; after the answers, the audit lines in $audit calls"
  fi
  if [ "$background" -gt 0 ]; then
    rt_detail[$name]+="; besides, $background commands of the background tasks (webhooks list and deliveries, push subscriptions)"
  fi
}

# Keeps every pooled connection recently used, so the counts show the steady state.
warm() { batch 32 GET /api/tickets/status; }

round_trips() {
  local c="$rt_calls" sha_seen
  new_day
  batch $((3 * c + 1)) POST /api/tickets/take

  warm; monitor_start take
  batch "$c" POST /api/tickets/take
  monitor_stop take "$c"

  warm; monitor_start call
  batch "$c" POST /api/tickets/call-next
  monitor_stop call "$c"

  batch "$c" POST /api/tickets/call-next "f"   # desks f0…: each holds a ticket
  warm; monitor_start finish
  batch "$c" POST /api/tickets/finish-current "f"
  monitor_stop finish "$c"

  warm; monitor_start status
  batch "$c" GET /api/tickets/status
  monitor_stop status "$c"

  warm; monitor_start snapshot
  batch "$c" GET /api/tickets/snapshot
  monitor_stop snapshot "$c"

  # A quiet office: the first requests after 6 s without traffic.
  if [ "$smoke" = 0 ]; then
    log "redis: take after 6 s idle (10 calls, 0.25 s apart)"
    warm; nap 6
    monitor_start quiet
    for ((i = 0; i < 10; i++)); do
      batch 1 POST /api/tickets/take
      nap 0.25
    done
    monitor_stop quiet 10
  fi
}

# Commands per take and call-next in the office (MONITOR), as round_trips does.
office_round_trips() {
  local c="$rt_calls"
  new_day
  BATCH_BODY='{"service_type":"s3"}' batch $((2 * c)) POST /api/tickets/take
  warm; monitor_start take_office
  BATCH_BODY='{"service_type":"s7","priority":"p1"}' batch "$c" POST /api/tickets/take
  monitor_stop take_office "$c"
  warm; monitor_start call_office
  batch "$c" POST /api/tickets/call-next "t1d" 8
  monitor_stop call_office "$c"
}

declare -A rb
# The take script under redis-benchmark: the FCALL the server sent for a take during
# round_trips (its function, KEYS and ARGV as MONITOR saw them), replayed as fast as Redis
# runs it. Without an idempotency key every call takes a new ticket on the server's day.
redis_limit() {
  local file="$work/monitor-take.txt" args=() out line before after counter
  mapfile -t args < <(python3 - "$file" <<'PY'
import shlex, sys
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    if '"FCALL"' in line and "lua]" not in line:
        for part in shlex.split(line.split("]", 1)[1]):
            print(part)
        break
PY
)
  [ "${#args[@]}" -gt 4 ] || die "no FCALL of a take in the MONITOR capture"
  # The one key is the day's (…:day); the counter is beside it.
  counter="${args[3]%day}counter"
  before="$(rcli GET "$counter")"
  log "redis-benchmark: the server's take FCALL x $rb_requests, 16 clients"
  out="$work/redis-benchmark.csv"
  redis-benchmark -h 127.0.0.1 -p "$redis_port" -c 16 -n "$rb_requests" --csv "${args[@]}" \
    >"$out" 2>&1 || die "redis-benchmark failed: $(tail -n 3 "$out")"
  line="$(grep -v '^"test"' "$out" | grep '^"' | tail -n 1)"
  rb[rps]="$(cut -d, -f2 <<<"$line" | tr -d '"')"
  rb[p50]="$(cut -d, -f5 <<<"$line" | tr -d '"')"
  rb[p99]="$(cut -d, -f7 <<<"$line" | tr -d '"')"
  after="$(rcli GET "$counter")"
  rb[taken]=$((after - before))
  [ -n "${rb[rps]}" ] || die "no result from redis-benchmark: $(cat "$out")"
  [ "${rb[taken]:-0}" -gt 0 ] || die "redis-benchmark took no ticket (is the day open?)"
}

declare -A plain
# The yardstick L: a plain atomic take script (bench.d/plain_take.lua: INCR, HSET, RPUSH,
# three EXPIREs, LPUSH and LTRIM, PUBLISH) under redis-benchmark, with the same 16 clients,
# under keys of its own; its rate and Redis's own time per call. Measured just before and
# just after each scenario it judges (`take_before`, `take_after`, …; load.sh: scenarios):
# L for that scenario is the mean of the two (plain_mean). This shared machine's speed
# moves by a third within minutes: a yardstick read at the start and the end of the Redis
# scenarios once fell in a slowdown the takes between them did not see, and gave a ratio
# no take had earned.
redis_plain() {
  local which="$1" sha out line
  sha="$(rcli SCRIPT LOAD "$(cat "$lua_dir/plain_take.lua")")"
  [ "${#sha}" -eq 40 ] || die "cannot load the plain take script: $sha"
  log "redis-benchmark: the plain take script x $rb_requests, 16 clients ($which)"
  rcli CONFIG RESETSTAT >/dev/null
  out="$work/redis-benchmark-plain-$which.csv"
  redis-benchmark -h 127.0.0.1 -p "$redis_port" -c 16 -n "$rb_requests" --csv \
    EVALSHA "$sha" 4 'plain:{bench}:counter' 'plain:{bench}:ticket:' 'plain:{bench}:queue' \
    'plain:{bench}:logs' "$(date +%s).000000" 3600 'plain:{bench}:events' \
    >"$out" 2>&1 || die "redis-benchmark failed: $(tail -n 3 "$out")"
  line="$(grep -v '^"test"' "$out" | grep '^"' | tail -n 1)"
  plain[rps_$which]="$(cut -d, -f2 <<<"$line" | tr -d '"')"
  plain[us_$which]="$(rcli INFO commandstats | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p' | tr -d '\r')"
  [ -n "${plain[rps_$which]}" ] || die "no result from redis-benchmark (plain take): $(cat "$out")"
  [ -n "${plain[us_$which]}" ] || die "no time per call in INFO commandstats (plain take)"
  # Its tickets go too: the scenarios after it run on the keyspace they would have
  # without it.
  rcli EVAL "for n = 1, tonumber(redis.call('GET', KEYS[1]) or '0') do
      redis.call('UNLINK', KEYS[2] .. n) end" 2 'plain:{bench}:counter' 'plain:{bench}:ticket:' \
    >/dev/null
  rcli DEL 'plain:{bench}:counter' 'plain:{bench}:queue' 'plain:{bench}:logs' >/dev/null
}

# L of scenario $1: the mean of the yardstick just before it and just after it.
plain_mean() {
  local sc="$1"
  plain[rps_$sc]="$(calc '%.1f' "(${plain[rps_${sc}_before]} + ${plain[rps_${sc}_after]}) / 2")"
  plain[us_$sc]="$(calc '%.2f' "(${plain[us_${sc}_before]} + ${plain[us_${sc}_after]}) / 2")"
}
