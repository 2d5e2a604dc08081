#!/usr/bin/env bash
# Metrics on against metrics off, interleaved in one run: what the Prometheus metrics cost the relay.
#
# The harness (../shared/bench/peer-bench.sh) measures one external proxy per run, so two runs
# (METRICS=off then on, see peer-bench-edgeproxy.sh) are minutes apart and this machine drifts more
# than the few percent we look for. This script keeps both configurations running side by side and
# alternates between them every repetition (A B B A A B ...), with the harness's own backend (its
# nginx origin config, an iperf3 server) and its workload command lines:
#   W1  wrk -t1 -c50 -dD --latency http://127.0.0.1:PORT/       (keep-alive requests/s)
#   W3  iperf3 -c 127.0.0.1 -p PORT -t D -J                      (bulk, 1 stream, received Gbit/s)
# Metrics on: EDGEPROXY_METRICS_ENABLED=true and the endpoint scraped every SCRAPE_INTERVAL seconds
# (default 1, 15 times Prometheus' usual rate) all along. Both use the same JAVA_OPTS and 2 loops.
#
# usage: [DURATION=8] [REPS=6] [SCRAPE_INTERVAL=1] [JAVA_OPTS=...] edgeproxy-benchmarks/load/metrics-ab.sh
# Build first: mvn -q -DskipTests package. Needs nginx, wrk, iperf3, curl, ss, python3.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=${PEER_BENCH_DIR:-$ROOT/../shared/bench}
JAR=$ROOT/examples/target/edge-proxy.jar
DURATION=${DURATION:-8}
REPS=${REPS:-6}
SCRAPE_INTERVAL=${SCRAPE_INTERVAL:-1}
JAVA_OPTS=${JAVA_OPTS:--XX:+UseSerialGC -Xms64m -Xmx64m}
LOOPS=${EDGEPROXY_EVENT_LOOPS:-2}
ORIGIN=18080
IPERF=18081

[[ -f $JAR ]] || { echo "metrics-ab: $JAR is missing; run: mvn -q -DskipTests package" >&2; exit 1; }
[[ -f $BENCH/conf/backend-nginx.conf.tmpl ]] || { echo "metrics-ab: harness not found at $BENCH (set PEER_BENCH_DIR)" >&2; exit 1; }
for t in nginx wrk iperf3 curl ss python3; do command -v "$t" > /dev/null || { echo "metrics-ab: missing $t" >&2; exit 1; }; done

WORK=$(mktemp -d /tmp/edgeproxy-metrics-ab.XXXXXX)
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
  echo "metrics-ab: nothing listens on $1" >&2; exit 1
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
  # shellcheck disable=SC2086
  env EDGEPROXY_LISTEN_ADDR="127.0.0.1:$port" EDGEPROXY_CONFIG_PATH="$toml" EDGEPROXY_EVENT_LOOPS="$LOOPS" "$@" \
    java $JAVA_OPTS -jar "$JAR" > "$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  wait_listen "$port"
}
# off: 19500 (http), 19501 (iperf); on: 19510, 19511 with endpoints on 19590, 19591
start_proxy 19500 "$WORK/http.toml" off-http
start_proxy 19501 "$WORK/iperf.toml" off-iperf
start_proxy 19510 "$WORK/http.toml" on-http EDGEPROXY_METRICS_ENABLED=true EDGEPROXY_METRICS_LISTEN_ADDR=127.0.0.1:19590
start_proxy 19511 "$WORK/iperf.toml" on-iperf EDGEPROXY_METRICS_ENABLED=true EDGEPROXY_METRICS_LISTEN_ADDR=127.0.0.1:19591
for p in 19590 19591; do curl -sf "http://127.0.0.1:$p/metrics" > /dev/null || { echo "metrics-ab: no metrics on $p" >&2; exit 1; }; done
( while sleep "$SCRAPE_INTERVAL"; do
    curl -s -o /dev/null http://127.0.0.1:19590/metrics
    curl -s -o /dev/null http://127.0.0.1:19591/metrics
  done ) &
PIDS+=($!)

http_port() { [[ $1 == on ]] && echo 19510 || echo 19500; }
iperf_port() { [[ $1 == on ]] && echo 19511 || echo 19501; }

# warm-up: JIT both proxies alike
for m in off on; do
  wrk -t1 -c50 -d3s "http://127.0.0.1:$(http_port $m)/" > /dev/null 2>&1
  iperf3 -c 127.0.0.1 -p "$(iperf_port $m)" -t 2 > /dev/null 2>&1
done

echo -e "rep\tmetrics\tworkload\tvalue" > "$OUT"
for rep in $(seq "$REPS"); do
  if (( rep % 2 == 1 )); then order="off on"; else order="on off"; fi
  for m in $order; do
    rps=$(wrk -t1 -c50 -d"${DURATION}s" --latency "http://127.0.0.1:$(http_port $m)/" | awk '/^Requests\/sec/ {print $2}')
    echo -e "$rep\t$m\tW1_rps\t$rps" >> "$OUT"
    echo "rep $rep metrics=$m W1 $rps req/s" >&2
  done
  for m in $order; do
    gbps=$(iperf3 -c 127.0.0.1 -p "$(iperf_port $m)" -t "$DURATION" -J \
      | python3 -c 'import json,sys; print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))')
    echo -e "$rep\t$m\tW3_gbps\t$gbps" >> "$OUT"
    echo "rep $rep metrics=$m W3 $gbps Gbit/s" >&2
  done
done

echo "metrics scraped from the on proxies at the end:" >&2
curl -s http://127.0.0.1:19590/metrics | grep -E '^edgeproxy_(connections_total|bytes_received_total)' >&2 || true
curl -s http://127.0.0.1:19591/metrics | grep -E '^edgeproxy_bytes_received_total' >&2 || true

python3 - "$OUT" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
for w, unit in (("W1_rps", "req/s"), ("W3_gbps", "Gbit/s")):
    v = {m: [float(r["value"]) for r in rows if r["workload"] == w and r["metrics"] == m] for m in ("off", "on")}
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
