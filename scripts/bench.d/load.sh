# Sourced by scripts/bench (not run on its own): the load scenarios under wrk.
# Uses the settings and helpers scripts/bench defines before sourcing it.

# --- load scenarios ------------------------------------------------------------------------

declare -A rps p50 p99 note cpu redis_us wrk_cpu
run_id=0
clk_tck="$(getconf CLK_TCK)"
# CPU time (user + system) a process used so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# The server's ticks, plus redis-server's on the Redis store.
store_ticks() {
  local t
  t="$(cpu_ticks "$server_pid")"
  [ "$store" != redis ] || t=$((t + $(cpu_ticks "$redis_pid")))
  echo "$t"
}

# wrk_run NAME LUA PATH [staff]: runs wrk for the duration, keeps req/s and percentiles.
wrk_run() {
  local name="$1" lua="$2" path="$3" staff="${4:-}" out line key="$store:$1"
  run_id=$((run_id + 1))
  out="$work/wrk-$store-$name-$run_id.txt"
  log "$store: $name (${duration}s)"
  [ "$store" = redis ] && rcli CONFIG RESETSTAT >/dev/null
  local c0 c1
  c0="$(store_ticks)"
  # (bash's `time` keeps wrk's own CPU, user and system, in $out.cpu.)
  local TIMEFORMAT='%3U %3S'
  { time BENCH_LUA_DIR="$lua_dir" BENCH_RUN="$run_id" BENCH_TOKEN="${staff:+$token}" \
    wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 5s --latency \
    -s "$lua_dir/$lua" "http://127.0.0.1:$port$path" >"$out" 2>&1; } 2>"$out.cpu" ||
    die "wrk failed for $name: $(tail -n 5 "$out")"
  c1="$(store_ticks)"
  line="$(grep '^BENCH ' "$out")" || die "wrk printed no result for $name: $(tail -n 5 "$out")"
  local requests rate l50 l99 non2xx sockerr
  requests="$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<<"$line")"
  rate="$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$line")"
  l50="$(sed -n 's/.* p50_us=\([0-9]*\).*/\1/p' <<<"$line")"
  l99="$(sed -n 's/.* p99_us=\([0-9]*\).*/\1/p' <<<"$line")"
  non2xx="$(sed -n 's/.* non2xx=\([0-9]*\).*/\1/p' <<<"$line")"
  sockerr="$(sed -n 's/.* socket_errors=\([0-9]*\).*/\1/p' <<<"$line")"
  rps[$key]="$rate"
  # CPU the server and redis-server used per request: unlike req/s, it hardly depends
  # on what else runs on the machine (including wrk).
  cpu[$key]="$(calc '%.1f' "($c1 - $c0) * 1000000 / $clk_tck / ($requests > 0 ? $requests : 1)")"
  # wrk's own CPU per request: it shares the cores, and what it spends on a request (more
  # for a request its script builds, and for a longer answer) is not the server's to use.
  local wrk_user wrk_sys
  read -r wrk_user wrk_sys <"$out.cpu" || die "no CPU time of wrk for $name: $(cat "$out.cpu")"
  wrk_cpu[$key]="$(calc '%.1f' "($wrk_user + $wrk_sys) * 1000000 / ($requests > 0 ? $requests : 1)")"
  p50[$key]="$l50"
  p99[$key]="$l99"
  note[$key]=""
  if [ "${requests:-0}" -eq 0 ]; then
    failed_checks+=("$key: no request completed")
    note[$key]="no request completed"
  fi
  if [ "${non2xx:-0}" -gt 0 ]; then
    failed_checks+=("$key: $non2xx error answers")
    note[$key]="**$non2xx error answers**"
  fi
  if [ "$store" = redis ]; then
    # Redis's own time in the scripts per request (INFO commandstats), less sensitive to
    # the load generator sharing the cores than req/s: the day's scripts are functions
    # (FCALL), and the takes, calls and finishes made at once go several to an FCALL (a
    # batch), so the time is divided by the requests, not by the FCALLs.
    local stat us calls
    stat="$(rcli INFO commandstats | grep '^cmdstat_fcall:' || true)"
    us="$(sed -n 's/.*[:,]usec=\([0-9]*\).*/\1/p' <<<"$stat")"
    calls="$(sed -n 's/^cmdstat_fcall:calls=\([0-9]*\).*/\1/p' <<<"$stat")"
    if [ -n "$us" ] && [ "${requests:-0}" -gt 0 ]; then
      redis_us[$key]="$(calc '%.2f' "$us / $requests")"
      add_note "$key" "$(calc '%.0f' "$us / $requests") µs in Redis per request, $(calc '%.2f' "$calls / $requests") FCALL"
    fi
  fi
  if [ "${sockerr:-0}" -gt 0 ]; then
    note[$key]="${note[$key]:+${note[$key]}; }$sockerr socket errors/time-outs"
  fi
}

add_note() { note[$1]="${note[$1]:+${note[$1]}; }$2"; }

# Takes for one run's duration, not measured: tickets for the staff cycle to call.
fill_queue() {
  local out="$work/wrk-$store-fill.txt"
  log "$store: filling the queue for the staff cycle (${duration}s of takes)"
  BENCH_LUA_DIR="$lua_dir" BENCH_RUN="fill-$run_id" \
    wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 5s \
    -s "$lua_dir/take.lua" "http://127.0.0.1:$port/api/tickets/take" >"$out" 2>&1 ||
    die "wrk failed filling the queue: $(tail -n 5 "$out")"
}

# On the Redis store, the yardstick L of the combined limit (redis.sh: redis_plain) just
# $2 (before, after) scenario $1, which the targets hold to it.
yardstick() {
  [ "$store" = redis ] || return 0
  redis_plain "$1_$2"
  [ "$2" = after ] && plain_mean "$1"
  return 0
}

# Every scenario on the server now running (store $store).
scenarios() {
  wrk_run healthz get.lua /healthz
  local h1="${rps[$store:healthz]}" c_h1="${cpu[$store:healthz]}" w_h1="${wrk_cpu[$store:healthz]}" q

  new_day
  yardstick take before
  wrk_run take take.lua /api/tickets/take
  yardstick take after
  q="$(queue_length)"
  add_note "$store:take" "day opened first; $q tickets taken"

  wrk_run call call.lua /api/tickets/call-next staff
  add_note "$store:call" "$((threads * 8)) desks, call-next alone; $(queue_length) still waiting after"
  q="$(queue_length)"

  wrk_run status get.lua /api/tickets/status
  add_note "$store:status" "$q waiting"

  # The cycle calls and finishes what waits: fill the queue first, so that it does not
  # run empty half-way (a call that finds nobody costs less and would flatter it).
  fill_queue
  yardstick cycle before
  wrk_run cycle cycle.lua /api/tickets/call-next staff
  yardstick cycle after
  q="$(queue_length)"
  add_note "$store:cycle" "$((threads * 8)) desks; $q still waiting after"
  [ "$q" -gt 0 ] || add_note "$store:cycle" "**the queue ran empty**"

  wrk_run mix mix.lua /api/tickets/status staff

  new_day
  batch 50 POST /api/tickets/take
  wrk_run snapshot get.lua /api/tickets/snapshot staff

  wrk_run healthz get.lua /healthz
  local h2="${rps[$store:healthz]}"
  rps[$store:healthz]="$(calc '%.1f' "($h1 + $h2) / 2")"
  cpu[$store:healthz]="$(calc '%.1f' "($c_h1 + ${cpu[$store:healthz]}) / 2")"
  wrk_cpu[$store:healthz]="$(calc '%.1f' "($w_h1 + ${wrk_cpu[$store:healthz]}) / 2")"
  note[$store:healthz]="mean of a run first ($(calc '%.0f' "$h1")) and last ($(calc '%.0f' "$h2"))"
}

# The office of the office scenarios: 10 services (s0…s9, letters A…J) each offering the
# priority class p1, and the desks of call.lua (t<thread>d<0…7>), each serving every
# service from a different first one, with a priority ratio of 2.
office_services=10
write_office() {
  local i t d letters=ABCDEFGHIJ list
  office_file="$work/office.toml"
  {
    for ((i = 0; i < office_services; i++)); do
      printf '[[service]]\ncode = "s%d"\nprefix = "%s"\nname = { fr = "Service %d", en = "Service %d" }\npriority = true\nmax_wait_minutes = 600\n\n' \
        "$i" "${letters:$i:1}" "$i" "$i"
    done
    printf '[[priority]]\ncode = "p1"\nname = { fr = "Prioritaire", en = "Priority" }\nweight = 1\n\n'
    for ((t = 1; t <= threads; t++)); do
      for ((d = 0; d < 8; d++)); do
        list=""
        for ((i = 0; i < office_services; i++)); do
          list="$list${list:+, }\"s$(((i + d) % office_services))\""
        done
        printf '[[desk]]\nid = "t%dd%d"\nname = { fr = "Guichet %d-%d", en = "Desk %d-%d" }\nservices = [%s]\npriority_ratio = 2\n\n' \
          "$t" "$d" "$t" "$d" "$t" "$d" "$list"
      done
    done
  } >"$office_file"
}

# Take and call-next in the office of write_office, on a server started with it.
office_scenarios() {
  new_day
  BENCH_SERVICES="$office_services" wrk_run take_office take_office.lua /api/tickets/take
  add_note "$store:take_office" "$(queue_length) tickets taken"
  wrk_run call_office call.lua /api/tickets/call-next staff
  add_note "$store:call_office" "$(queue_length) still waiting after"
}

# The kiosk's take with the limits on (limits=1): from an enrolled kiosk (its cookie
# checked, then the cap on waiting tickets in the script) and from a plain address (its
# take counter read and written in the script too). Compared with takes with the limits
# off just before and after (beside_references).
limit_scenarios() {
  local cookie
  cookie="$(curl -sS -D - -o /dev/null \
    "http://127.0.0.1:$port/api/kiosk/enroll?token=$kiosk_token" |
    sed -n 's/^[Ss]et-[Cc]ookie: \(tickets_kiosk=[^;]*\).*/\1/p' | tr -d '\r')"
  [ -n "$cookie" ] || die "the kiosk enrollment link set no cookie"
  new_day
  BENCH_COOKIE="$cookie" wrk_run take_kiosk take.lua /api/tickets/take
  add_note "$store:take_kiosk" "$(queue_length) tickets taken"
  new_day
  wrk_run take_limited take.lua /api/tickets/take
  add_note "$store:take_limited" "$(queue_length) tickets taken, all from one address"
}

# A single-queue reference on a fresh server of store $1, limits off: a take, as
# take_ref_$2, and with $3 = call a call-next after it, as call_ref_$2.
queue_ref() {
  start_server "$1"
  new_day
  wrk_run "take_ref_$2" take.lua /api/tickets/take
  if [ "${3:-}" = call ]; then
    wrk_run "call_ref_$2" call.lua /api/tickets/call-next staff
  fi
  stop_server
}

# mean_of KEY A B: KEY's req/s, CPU and Redis time per request, the mean of A's and B's.
mean_of() {
  local k="$1" a="$2" b="$3"
  rps[$k]="$(calc '%.1f' "(${rps[$a]} + ${rps[$b]}) / 2")"
  cpu[$k]="$(calc '%.2f' "(${cpu[$a]} + ${cpu[$b]}) / 2")"
  wrk_cpu[$k]="$(calc '%.2f' "(${wrk_cpu[$a]} + ${wrk_cpu[$b]}) / 2")"
  if [ -n "${redis_us[$a]:-}" ] && [ -n "${redis_us[$b]:-}" ]; then
    redis_us[$k]="$(calc '%.2f' "(${redis_us[$a]} + ${redis_us[$b]}) / 2")"
  fi
}

# The office's and the limits' scenarios on store $1, each between two single-queue
# references on fresh servers, within a minute of them: reference 1, the office,
# reference 2, the limits, reference 3. The office's ratios compare with the mean of
# references 1 and 2 (take_office_ref, call_office_ref), the limits' with that of 2 and 3
# (take_limits_ref). Against
# the scenarios of `scenarios`, minutes before, they read this shared machine's drift: the
# same binary's CPU per take moved by half within minutes (docs/benchmarks.md, item 23).
beside_references() {
  local kind="$1"
  queue_ref "$kind" 1 call
  if [ "$kind" = redis ]; then
    rcli FLUSHALL >/dev/null # the office's services replace the built-in one: start empty
  fi
  write_office
  start_server "$kind"
  office_scenarios
  if [ "$kind" = redis ]; then
    office_round_trips
  fi
  stop_server
  office_file=""
  if [ "$kind" = redis ]; then
    rcli DEL tickets:config >/dev/null
  fi
  queue_ref "$kind" 2 call
  limits=1
  start_server "$kind"
  limit_scenarios
  stop_server
  limits=""
  queue_ref "$kind" 3
  mean_of "$kind:take_office_ref" "$kind:take_ref_1" "$kind:take_ref_2"
  mean_of "$kind:call_office_ref" "$kind:call_ref_1" "$kind:call_ref_2"
  mean_of "$kind:take_limits_ref" "$kind:take_ref_2" "$kind:take_ref_3"
}
