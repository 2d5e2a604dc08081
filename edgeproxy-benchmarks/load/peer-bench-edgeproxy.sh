#!/usr/bin/env bash
# Measures the standalone edge-proxy with ../shared/bench/peer-bench.sh, next to HAProxy and nginx
# in the same run.
#
# Starts two edge-proxy processes through ./edge-proxy, so with the launcher's default JVM settings
# (JAVA_OPTS, empty by default, goes after them; build first with `mvn -q -DskipTests package`):
# 127.0.0.1:19500 -> the harness's HTTP origin (127.0.0.1:18080) and
# 127.0.0.1:19501 -> its iperf3 server (127.0.0.1:18081). W4 measures the HTTP one.
#
# usage: [MODE=off|on] [METRICS=off|on] [JAVA_OPTS=...] [EDGEPROXY_EVENT_LOOPS=2] \
#          [harness knobs: DURATION REPS WORKLOADS ...] \
#          edgeproxy-benchmarks/load/peer-bench-edgeproxy.sh [peer systems, default: haproxy-t2 nginx-w2]
#
#   MODE=off  no resilience component (the default)
#   MODE=pool only the warm pool on the HTTP proxy (what skipping the backend connect saves)
#   MODE=on   rate limiter (limits far above the load), circuit breaker, TCP health checks and the
#             warm pool on the HTTP proxy; the iperf3 proxy stays plain (an iperf3 server serves one
#             test at a time, so probes and idle spares would disturb it)
#
#   METRICS=on  Prometheus metrics on both proxies (EDGEPROXY_METRICS_ENABLED, endpoints on
#               127.0.0.1:19590 and :19591), each scraped every SCRAPE_INTERVAL seconds (default 1,
#               15 times Prometheus' usual rate) while the harness runs
#
# For W4 restart right before it: run it alone, WORKLOADS=w4 (each invocation starts fresh proxies).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HARNESS=${PEER_BENCH:-$ROOT/../shared/bench/peer-bench.sh}
JAR=$ROOT/examples/target/edge-proxy.jar
MODE=${MODE:-off}
METRICS=${METRICS:-off}
SCRAPE_INTERVAL=${SCRAPE_INTERVAL:-1}
JAVA_OPTS=${JAVA_OPTS:-}
LAUNCHER=$ROOT/edge-proxy
LOOPS=${EDGEPROXY_EVENT_LOOPS:-2}
HTTP_PORT=19500
IPERF_PORT=19501

[[ -f $JAR ]] || { echo "peer-bench-edgeproxy: $JAR is missing; run: mvn -q -DskipTests package" >&2; exit 1; }
[[ -x $HARNESS ]] || { echo "peer-bench-edgeproxy: harness not found at $HARNESS (set PEER_BENCH)" >&2; exit 1; }
[[ $MODE == on || $MODE == off || $MODE == pool ]] || { echo "peer-bench-edgeproxy: MODE must be off, on or pool, but was '$MODE'" >&2; exit 1; }
[[ $METRICS == on || $METRICS == off ]] || { echo "peer-bench-edgeproxy: METRICS must be off or on, but was '$METRICS'" >&2; exit 1; }
[[ $# -gt 0 ]] || set -- haproxy-t2 nginx-w2

WORK=$(mktemp -d /tmp/edgeproxy-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# One backend per proxy, limits out of the way of the load (W4 holds 9,000 connections).
backends_toml() {
  cat <<TOML
[[backends]]
id = "$1"
app = "bench"
region = "sa"
country = "BR"
wg_ip = "127.0.0.1"
port = $2
soft_limit = 100000
hard_limit = 100000
TOML
}
backends_toml origin 18080 > "$WORK/http.toml"
backends_toml iperf 18081 > "$WORK/iperf.toml"

ulimit -n 100000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

start_proxy() {  # start_proxy PORT TOML LOG [VAR=VALUE...]
  local port=$1 toml=$2 out=$3; shift 3
  env EDGEPROXY_LISTEN_ADDR="127.0.0.1:$port" EDGEPROXY_CONFIG_PATH="$toml" EDGEPROXY_EVENT_LOOPS="$LOOPS" "$@" \
    JAVA_OPTS="$JAVA_OPTS" "$LAUNCHER" > "$out" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do
    ss -Hltn "sport = :$port" | grep -q . && return 0
    sleep 0.1
  done
  echo "peer-bench-edgeproxy: edge-proxy did not listen on $port; log:" >&2
  cat "$out" >&2
  exit 1
}

RESILIENCE=()
if [[ $MODE == on ]]; then
  RESILIENCE=(EDGEPROXY_RATE_LIMIT_ENABLED=true EDGEPROXY_RATE_LIMIT_MAX_REQUESTS=1000000
              EDGEPROXY_RATE_LIMIT_BURST=1000000 EDGEPROXY_CIRCUIT_BREAKER_ENABLED=true
              EDGEPROXY_HEALTH_CHECK_ENABLED=true EDGEPROXY_POOL_ENABLED=true)
elif [[ $MODE == pool ]]; then
  RESILIENCE=(EDGEPROXY_POOL_ENABLED=true)
fi
HTTP_METRICS=()
IPERF_METRICS=()
if [[ $METRICS == on ]]; then
  HTTP_METRICS=(EDGEPROXY_METRICS_ENABLED=true EDGEPROXY_METRICS_LISTEN_ADDR=127.0.0.1:19590)
  IPERF_METRICS=(EDGEPROXY_METRICS_ENABLED=true EDGEPROXY_METRICS_LISTEN_ADDR=127.0.0.1:19591)
fi
start_proxy "$HTTP_PORT" "$WORK/http.toml" "$WORK/http.log" "${RESILIENCE[@]}" "${HTTP_METRICS[@]}"
start_proxy "$IPERF_PORT" "$WORK/iperf.toml" "$WORK/iperf.log" "${IPERF_METRICS[@]}"
HTTP_PID=${PIDS[0]}
if [[ $METRICS == on ]]; then
  for port in 19590 19591; do
    curl -sf "http://127.0.0.1:$port/metrics" > /dev/null \
      || { echo "peer-bench-edgeproxy: no metrics on 127.0.0.1:$port" >&2; exit 1; }
  done
  ( while sleep "$SCRAPE_INTERVAL"; do
      curl -s -o /dev/null "http://127.0.0.1:19590/metrics"
      curl -s -o /dev/null "http://127.0.0.1:19591/metrics"
    done ) &
  PIDS+=($!)
fi

echo "peer-bench-edgeproxy: MODE=$MODE METRICS=$METRICS JAVA_OPTS='$JAVA_OPTS' loops=$LOOPS; http proxy pid $HTTP_PID" >&2
TARGET_PORT=$HTTP_PORT TARGET_IPERF_PORT=$IPERF_PORT TARGET_PID=$HTTP_PID TARGET_NAME="edgeproxy-$MODE-metrics-$METRICS" \
  "$HARNESS" external "$@"
