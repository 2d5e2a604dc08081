#!/usr/bin/env bash
# Counts the system calls each proxy makes per proxied connection, edge-proxy, HAProxy and nginx's
# stream proxy side by side in one run, under the same new-connection load (W2 of the harness: wrk with
# 'Connection: close' against an nginx origin).
#
# usage: [TRACE_SECONDS=4] [CONNS=20] [JAVA_OPTS=...] edgeproxy-benchmarks/load/syscalls.sh
#
# For each proxy in turn: start it (edge-proxy through ./edge-proxy with its default JVM settings,
# 2 event loops; HAProxy 2 threads, mode tcp; nginx 2 workers, stream{} with its defaults; all as in
# ../shared/bench), warm it up for 3 s, then
# `strace -c -f -p` it for TRACE_SECONDS while wrk runs, and divide every count by the connections it
# accepted in that window (successful accept/accept4 calls). The JVM's own threads (JIT, GC) make
# futex, gettid and similar calls unrelated to connections: they are listed apart, not counted.
# Needs: strace, haproxy, nginx, wrk, and examples/target/edge-proxy.jar (mvn -q -DskipTests package).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SECONDS_TRACED=${TRACE_SECONDS:-4}
CONNS=${CONNS:-20}
ORIGIN_PORT=18090
EDGE_PORT=19590
HAPROXY_PORT=19591
for t in strace haproxy nginx wrk ss; do
  command -v "$t" >/dev/null || { echo "syscalls: $t is not installed" >&2; exit 1; }
done
[[ -f $ROOT/examples/target/edge-proxy.jar ]] \
  || { echo "syscalls: build the launcher first: mvn -q -DskipTests package" >&2; exit 1; }

WORK=$(mktemp -d /tmp/edgeproxy-syscalls.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -f $WORK/nginx.pid ]] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ulimit -n 100000 2>/dev/null || true

cat > "$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 20000; }
http {
  access_log off;
  server { listen 127.0.0.1:$ORIGIN_PORT; location / { return 200 "ok\n"; } }
}
EOF
nginx -c "$WORK/nginx.conf"

cat > "$WORK/backends.toml" <<EOF
[[backends]]
id = "origin"
app = "bench"
region = "sa"
country = "BR"
wg_ip = "127.0.0.1"
port = $ORIGIN_PORT
soft_limit = 100000
hard_limit = 100000
EOF

cat > "$WORK/haproxy.cfg" <<EOF
global
    nbthread 2
defaults
    mode tcp
    timeout connect 5s
    timeout client 300s
    timeout server 300s
frontend fe
    bind 127.0.0.1:$HAPROXY_PORT
    default_backend be
backend be
    server s1 127.0.0.1:$ORIGIN_PORT
EOF

wait_listen() {
  for _ in $(seq 100); do
    ss -Hltn "sport = :$1" | grep -q . && return 0
    sleep 0.1
  done
  echo "syscalls: nothing listens on $1" >&2
  exit 1
}

# measure NAME PIDS PORT: prints one line "NAME accepted total per-connection breakdown"; PIDS is one
# process, or several separated by commas (nginx's workers)
measure() {
  local name=$1 pids=$2 port=$3 out=$WORK/$1.strace attach=()
  local p
  for p in ${pids//,/ }; do attach+=(-p "$p"); done
  wrk -t1 -c"$CONNS" -d3s -H 'Connection: close' "http://127.0.0.1:$port/" > /dev/null
  strace -c -f "${attach[@]}" -o "$out" 2>/dev/null &
  local tracer=$!
  sleep 0.5
  wrk -t1 -c"$CONNS" -d"${SECONDS_TRACED}s" -H 'Connection: close' "http://127.0.0.1:$port/" > /dev/null
  kill -INT "$tracer"
  wait "$tracer" 2>/dev/null || true
  # strace -c rows: % time, seconds, usecs/call, calls, [errors], syscall (sorted by name here)
  grep -E '^ *[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+ ' "$out" | awk '{ print $NF, $0 }' | sort | cut -d' ' -f2- | awk -v name="$name" '
    BEGIN {
      split("futex gettid restart_syscall mprotect madvise mmap munmap openat newfstatat sysinfo pread64 sched_yield clock_nanosleep nanosleep rt_sigreturn lseek fstat stat", jvm, " ")
      for (i in jvm) skip[jvm[i]] = 1
    }
    {
      sc = $NF; calls[NR] = $4; names[NR] = sc; errors = (NF == 6) ? $5 : 0
      if (sc == "accept" || sc == "accept4") accepted += $4 - errors
    }
    END {
      if (accepted <= 0) { print name ": no connection accepted while traced" > "/dev/stderr"; exit 1 }
      total = 0; line = ""; other = ""
      for (i = 1; i <= NR; i++) {
        if (names[i] == "total") continue
        per = sprintf(" %s %.2f", names[i], calls[i] / accepted)
        if (names[i] in skip) { other = other per; continue }
        total += calls[i]; line = line per
      }
      printf "| %s | %d | **%.1f** |%s |%s |\n", name, accepted, total / accepted, line, other
    }'
}

echo "| proxy | connections accepted while traced | system calls per connection | breakdown per connection | not per connection (JVM threads, timers) |"
echo "|---|---|---|---|---|"

EDGEPROXY_LISTEN_ADDR=127.0.0.1:$EDGE_PORT EDGEPROXY_CONFIG_PATH=$WORK/backends.toml EDGEPROXY_EVENT_LOOPS=2 \
  "$ROOT/edge-proxy" > "$WORK/edge.log" 2>&1 &
PIDS+=($!)
edge_pid=$!
wait_listen "$EDGE_PORT"
# ./edge-proxy execs java, so the script's pid is the JVM's
measure edge-proxy "$edge_pid" "$EDGE_PORT"
kill "$edge_pid"

haproxy -db -f "$WORK/haproxy.cfg" > "$WORK/haproxy.log" 2>&1 &
PIDS+=($!)
haproxy_pid=$!
wait_listen "$HAPROXY_PORT"
measure haproxy "$haproxy_pid" "$HAPROXY_PORT"
kill "$haproxy_pid"

NGINX_PORT=19592
cat > "$WORK/stream.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
pid $WORK/stream.pid;
error_log $WORK/stream.err warn;
load_module ${STREAM_MODULE:-/usr/lib/nginx/modules/ngx_stream_module.so};
events { worker_connections 20000; }
stream {
  upstream be { server 127.0.0.1:$ORIGIN_PORT; }
  server { listen 127.0.0.1:$NGINX_PORT backlog=4096; proxy_pass be; }
}
EOF
nginx -c "$WORK/stream.conf" > "$WORK/stream.log" 2>&1 &
PIDS+=($!)
stream_pid=$!
wait_listen "$NGINX_PORT"
measure nginx-stream "$(pgrep -d, -P "$stream_pid")" "$NGINX_PORT"
