#!/usr/bin/env bash
# A feature on against off, interleaved in one run: what it costs the relay.
#
# The harness (../shared/bench/peer-bench.sh) measures one external proxy per run, so two runs are
# minutes apart and this machine drifts more than the few percent we look for. This script keeps
# both configurations running side by side and alternates between them every repetition
# (A B B A A B ...), with the harness's own backend (its nginx origin config, an iperf3 server) and
# its workload command lines:
#   W1  wrk -t1 -c50 -dD --latency http://127.0.0.1:PORT/       (keep-alive requests/s)
#   W2  wrk -t1 -c50 -dD -H 'Connection: close' ...              (a new connection per request)
#   W3  iperf3 -c 127.0.0.1 -p PORT -t D -J                      (bulk, 1 stream, received Gbit/s)
# For W1 and W2 it also records the HTTP proxy's CPU (utime + stime from /proc/PID/stat) per
# request served: on a saturated 2-core machine that holds up better than requests per second.
#
# FEATURE=metrics (default): Prometheus metrics on both "on" proxies, each endpoint scraped every
#   SCRAPE_INTERVAL seconds (default 1, 15 times Prometheus' usual rate) all along.
# FEATURE=components: rate limiter (limits far above the load), circuit breaker, TCP health checks
#   and the warm pool on the "on" HTTP proxy; its iperf3 proxy stays plain (an iperf3 server serves
#   one test at a time, so probes and idle spares would disturb it).
# FEATURE=postgres: the "on" HTTP proxy routes from PostgreSQL (EDGEPROXY_POSTGRES_ENABLED, the
#   server at PG_URL, e.g. postgres://edgeproxy:secret@127.0.0.1:5432/edgeproxy; the script inserts
#   the origin's row with psql) instead of the config file; its iperf3 proxy stays on the file.
# FEATURE=loops: the "on" proxies run 1 event loop instead of 2 (what the second core buys).
# FEATURE=buffer: the "on" proxies relay through buffers of ON_BUFFER_SIZE bytes (default 262144)
#   instead of the default 32 KiB (EDGEPROXY_BUFFER_SIZE).
# FEATURE=splice: the "off" proxies run with EDGEPROXY_SPLICE=false (every byte copied through the
#   relay buffers), the "on" ones with the default (bulk spliced through a pipe on epoll).
# FEATURE=build: the "off" proxies run another build of edge-proxy, from the checkout at OFF_ROOT
#   (built there with mvn -q -DskipTests package; e.g. git worktree add /tmp/base HEAD~1), the
#   "on" ones this checkout's: what a code change costs or buys.
# FEATURE=jvm: the "on" proxies get ON_JAVA_OPTS (default "-XX:TieredStopAtLevel=4": C2 as well as
#   the launcher's C1) after JAVA_OPTS: what a JVM setting costs or buys.
# Otherwise both use the same JAVA_OPTS and 2 loops. Proxies start through ./edge-proxy, so with
# its default JVM settings; JAVA_OPTS (default empty) goes after them.
#
# usage: [FEATURE=metrics|components|postgres|loops|buffer|splice|build|jvm] [OFF_ROOT=...] [ON_BUFFER_SIZE=...] [ON_JAVA_OPTS=...] [PG_URL=...] [WORKLOADS="w1 w3"] [DURATION=8] [REPS=6] [SCRAPE_INTERVAL=1]
#        [JAVA_OPTS=...] edgeproxy-benchmarks/load/ab.sh
# Build first: mvn -q -DskipTests package. Needs nginx, wrk, iperf3, curl, ss, python3.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=${PEER_BENCH_DIR:-$ROOT/../shared/bench}
JAR=$ROOT/examples/target/edge-proxy.jar
LAUNCHER=$ROOT/edge-proxy
DURATION=${DURATION:-8}
REPS=${REPS:-6}
SCRAPE_INTERVAL=${SCRAPE_INTERVAL:-1}
FEATURE=${FEATURE:-metrics}
WORKLOADS=${WORKLOADS:-w1 w3}
JAVA_OPTS=${JAVA_OPTS:-}
ON_JAVA_OPTS=${ON_JAVA_OPTS:--XX:TieredStopAtLevel=4}
ON_BUFFER_SIZE=${ON_BUFFER_SIZE:-262144}
LOOPS=${EDGEPROXY_EVENT_LOOPS:-2}
ORIGIN=18080
IPERF=18081

[[ $FEATURE =~ ^(metrics|components|postgres|loops|buffer|splice|build|jvm)$ ]] || { echo "ab: FEATURE must be metrics, components, postgres, loops, buffer, splice, build or jvm, but was '$FEATURE'" >&2; exit 1; }
OFF_LAUNCHER=$LAUNCHER
if [[ $FEATURE == build ]]; then
  [[ -n ${OFF_ROOT:-} && -f $OFF_ROOT/examples/target/edge-proxy.jar ]] || { echo "ab: FEATURE=build needs OFF_ROOT, a checkout built with mvn -q -DskipTests package" >&2; exit 1; }
  OFF_LAUNCHER=$OFF_ROOT/edge-proxy
fi
[[ $FEATURE != postgres || -n ${PG_URL:-} ]] || { echo "ab: FEATURE=postgres needs PG_URL" >&2; exit 1; }
[[ -f $JAR ]] || { echo "ab: $JAR is missing; run: mvn -q -DskipTests package" >&2; exit 1; }
[[ -f $BENCH/conf/backend-nginx.conf.tmpl ]] || { echo "ab: harness not found at $BENCH (set PEER_BENCH_DIR)" >&2; exit 1; }
for t in nginx wrk iperf3 curl ss python3; do command -v "$t" > /dev/null || { echo "ab: missing $t" >&2; exit 1; }; done

WORK=$(mktemp -d /tmp/edgeproxy-ab.XXXXXX)
OUT=${OUT:-$WORK/results.tsv}
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
ulimit -n 100000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

wait_listen() {
  for _ in $(seq 100); do ss -Hltn "sport = :$1" | grep -q . && return 0; sleep 0.1; done
  echo "ab: nothing listens on $1" >&2; exit 1
}

# the harness's backend
mkdir -p "$WORK/tmp" "$WORK/www"
sed -e "s#@RUN@#$WORK#g" -e "s#@NOFILE@#100000#g" -e "s#@WORKER_CONNS@#20000#g" -e "s#@HTTP_PORT@#$ORIGIN#g" \
  "$BENCH/conf/backend-nginx.conf.tmpl" > "$WORK/origin.conf"
nginx -p "$WORK/" -e "$WORK/origin.error.log" -c "$WORK/origin.conf" > "$WORK/origin.out" 2>&1 &
PIDS+=($!)
iperf3 -s -B 127.0.0.1 -p "$IPERF" > "$WORK/iperf3-server.log" 2>&1 &
PIDS+=($!)
wait_listen "$ORIGIN"
wait_listen "$IPERF"

backends_toml() {
  printf '[[backends]]\nid = "%s"\napp = "bench"\nregion = "sa"\ncountry = "BR"\nwg_ip = "127.0.0.1"\nport = %s\nsoft_limit = 100000\nhard_limit = 100000\n' "$1" "$2"
}
backends_toml origin "$ORIGIN" > "$WORK/http.toml"
backends_toml iperf "$IPERF" > "$WORK/iperf.toml"

start_proxy() {  # start_proxy PORT TOML NAME [VAR=VALUE...]
  local port=$1 toml=$2 name=$3; shift 3
  env EDGEPROXY_LISTEN_ADDR="127.0.0.1:$port" EDGEPROXY_CONFIG_PATH="$toml" EDGEPROXY_EVENT_LOOPS="$LOOPS" \
    JAVA_OPTS="$JAVA_OPTS" "$@" "$([[ $name == off-* ]] && echo "$OFF_LAUNCHER" || echo "$LAUNCHER")" > "$WORK/$name.log" 2>&1 &
  PIDS+=($!)  # the JVM's: env and the launcher exec it
  [[ $name == off-http ]] && HTTP_PID_OFF=$!
  [[ $name == on-http ]] && HTTP_PID_ON=$!
  wait_listen "$port"
}
# off: 19500 (http), 19501 (iperf); on: 19510, 19511 (metrics endpoints on 19590, 19591)
OFF_ENV=()
[[ $FEATURE == splice ]] && OFF_ENV=(EDGEPROXY_SPLICE=false)
start_proxy 19500 "$WORK/http.toml" off-http "${OFF_ENV[@]}"
start_proxy 19501 "$WORK/iperf.toml" off-iperf "${OFF_ENV[@]}"
if [[ $FEATURE == metrics ]]; then
  start_proxy 19510 "$WORK/http.toml" on-http EDGEPROXY_METRICS_ENABLED=true EDGEPROXY_METRICS_LISTEN_ADDR=127.0.0.1:19590
  start_proxy 19511 "$WORK/iperf.toml" on-iperf EDGEPROXY_METRICS_ENABLED=true EDGEPROXY_METRICS_LISTEN_ADDR=127.0.0.1:19591
  for p in 19590 19591; do curl -sf "http://127.0.0.1:$p/metrics" > /dev/null || { echo "ab: no metrics on $p" >&2; exit 1; }; done
  ( while sleep "$SCRAPE_INTERVAL"; do
      curl -s -o /dev/null http://127.0.0.1:19590/metrics
      curl -s -o /dev/null http://127.0.0.1:19591/metrics
    done ) &
  PIDS+=($!)
elif [[ $FEATURE == loops ]]; then
  start_proxy 19510 "$WORK/http.toml" on-http EDGEPROXY_EVENT_LOOPS=1
  start_proxy 19511 "$WORK/iperf.toml" on-iperf EDGEPROXY_EVENT_LOOPS=1
elif [[ $FEATURE == buffer ]]; then
  start_proxy 19510 "$WORK/http.toml" on-http EDGEPROXY_BUFFER_SIZE="$ON_BUFFER_SIZE"
  start_proxy 19511 "$WORK/iperf.toml" on-iperf EDGEPROXY_BUFFER_SIZE="$ON_BUFFER_SIZE"
elif [[ $FEATURE == splice || $FEATURE == build ]]; then
  start_proxy 19510 "$WORK/http.toml" on-http
  start_proxy 19511 "$WORK/iperf.toml" on-iperf
elif [[ $FEATURE == jvm ]]; then
  start_proxy 19510 "$WORK/http.toml" on-http JAVA_OPTS="$JAVA_OPTS $ON_JAVA_OPTS"
  start_proxy 19511 "$WORK/iperf.toml" on-iperf JAVA_OPTS="$JAVA_OPTS $ON_JAVA_OPTS"
elif [[ $FEATURE == postgres ]]; then
  start_proxy 19510 "$WORK/http.toml" on-http EDGEPROXY_POSTGRES_ENABLED=true EDGEPROXY_POSTGRES_URL="$PG_URL"
  psql -q "$PG_URL" -c "INSERT INTO backends (id, app, region, country, wg_ip, port, soft_limit, hard_limit)
    VALUES ('origin', 'bench', 'sa', 'BR', '127.0.0.1', $ORIGIN, 100000, 100000)
    ON CONFLICT (id) DO UPDATE SET deleted = 0, healthy = 1, port = EXCLUDED.port"
  for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:19510/" && break; sleep 0.1; done
  start_proxy 19511 "$WORK/iperf.toml" on-iperf
else
  start_proxy 19510 "$WORK/http.toml" on-http EDGEPROXY_RATE_LIMIT_ENABLED=true EDGEPROXY_RATE_LIMIT_MAX_REQUESTS=1000000 \
    EDGEPROXY_RATE_LIMIT_BURST=1000000 EDGEPROXY_CIRCUIT_BREAKER_ENABLED=true EDGEPROXY_HEALTH_CHECK_ENABLED=true \
    EDGEPROXY_POOL_ENABLED=true
  start_proxy 19511 "$WORK/iperf.toml" on-iperf
fi

http_port() { [[ $1 == on ]] && echo 19510 || echo 19500; }
http_pid() { [[ $1 == on ]] && echo "$HTTP_PID_ON" || echo "$HTTP_PID_OFF"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }  # utime + stime, in clock ticks
iperf_port() { [[ $1 == on ]] && echo 19511 || echo 19501; }

# warm-up: JIT both proxies alike
for m in off on; do
  wrk -t1 -c50 -d3s "http://127.0.0.1:$(http_port $m)/" > /dev/null 2>&1
  iperf3 -c 127.0.0.1 -p "$(iperf_port $m)" -t 2 > /dev/null 2>&1
done

echo -e "rep\tmetrics\tworkload\tvalue" > "$OUT"
for rep in $(seq "$REPS"); do
  if (( rep % 2 == 1 )); then order="off on"; else order="on off"; fi
  for w in $WORKLOADS; do
    for m in $order; do
      cpu_before=$(cpu_ticks "$(http_pid $m)")
      case $w in
        w1) out=$(wrk -t1 -c50 -d"${DURATION}s" --latency "http://127.0.0.1:$(http_port $m)/"); name=W1_rps ;;
        w2) out=$(wrk -t1 -c50 -d"${DURATION}s" -H 'Connection: close' "http://127.0.0.1:$(http_port $m)/"); name=W2_rps ;;
        w3) v=$(iperf3 -c 127.0.0.1 -p "$(iperf_port $m)" -t "$DURATION" -J \
              | python3 -c 'import json,sys; print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'); name=W3_gbps ;;
        *) echo "ab: unknown workload $w" >&2; exit 1 ;;
      esac
      if [[ $w == w1 || $w == w2 ]]; then
        # the HTTP proxy's CPU (user + system) per request served, in microseconds
        v=$(awk '/^Requests\/sec/ {print $2}' <<< "$out")
        requests=$(awk '/requests in/ {print $1}' <<< "$out")
        cpu_us=$(awk -v t="$(( $(cpu_ticks "$(http_pid $m)") - cpu_before ))" -v hz="$(getconf CLK_TCK)" -v n="$requests" \
          'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
        echo -e "$rep\t$m\t${name%_rps}_cpu_us\t$cpu_us" >> "$OUT"
      fi
      if [[ $w == w1 ]]; then
        # wrk's p99 (printed as 850.00us, 3.62ms or 1.01s), in milliseconds
        p99=$(awk '$1 == "99%" { v = $2; f = 1; if (v ~ /us$/) f = 0.001; else if (v ~ /ms$/) f = 1; else if (v ~ /s$/) f = 1000
                                 sub(/[a-z]+$/, "", v); printf "%.3f", v * f }' <<< "$out")
        echo -e "$rep\t$m\tW1_p99_ms\t$p99" >> "$OUT"
      fi
      echo -e "$rep\t$m\t$name\t$v" >> "$OUT"
      echo "rep $rep $FEATURE=$m $name $v${cpu_us:+ cpu_us_per_request=$cpu_us}" >&2
      cpu_us=""
    done
  done
done

if [[ $FEATURE == metrics ]]; then
  echo "metrics scraped from the on proxies at the end:" >&2
  curl -s http://127.0.0.1:19590/metrics | grep -E '^edgeproxy_(connections_total|bytes_received_total)' >&2 || true
  curl -s http://127.0.0.1:19591/metrics | grep -E '^edgeproxy_bytes_received_total' >&2 || true
fi

python3 - "$OUT" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
for w, unit in (("W1_rps", "req/s"), ("W1_p99_ms", "p99 latency ms, lower is better"),
                ("W1_cpu_us", "proxy CPU us per request, lower is better"),
                ("W2_rps", "connections/s"), ("W2_cpu_us", "proxy CPU us per connection, lower is better"),
                ("W3_gbps", "Gbit/s")):
    v = {m: [float(r["value"]) for r in rows if r["workload"] == w and r["metrics"] == m] for m in ("off", "on")}
    if not v["off"]:
        continue
    reps = sorted({r["rep"] for r in rows})
    ratios = []
    for rep in reps:
        on = [float(r["value"]) for r in rows if r["workload"] == w and r["metrics"] == "on" and r["rep"] == rep]
        off = [float(r["value"]) for r in rows if r["workload"] == w and r["metrics"] == "off" and r["rep"] == rep]
        if on and off and off[0] > 0:
            ratios.append(on[0] / off[0])
    fmt = lambda xs: "median %.4g, min %.4g, max %.4g" % (statistics.median(xs), min(xs), max(xs))
    print(f"{w} ({unit}): off {fmt(v['off'])}; on {fmt(v['on'])}")
    print(f"{w} on/off: ratio of medians {statistics.median(v['on']) / statistics.median(v['off']):.3f}; "
          f"per-repetition ratios {fmt(ratios)} ({', '.join('%.3f' % r for r in ratios)})")
PY
echo "raw: $OUT" >&2
