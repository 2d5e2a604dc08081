#!/usr/bin/env bash
# Idle resident memory of the standalone proxy, started through ./edge-proxy, for one or more
# JAVA_OPTS variants, next to a trivial Java program (the JVM's own floor) measured in the same run.
#
# usage: [STARTS=5] [SETTLE=5] edgeproxy-benchmarks/load/idle-rss.sh ['label=JAVA_OPTS' ...]
#   e.g. edgeproxy-benchmarks/load/idle-rss.sh 'defaults=' 'C2=-XX:TieredStopAtLevel=4'
#
# Each start: EDGEPROXY_CONFIG_PATH = a TOML file of one backend, EDGEPROXY_LISTEN_ADDR =
# 127.0.0.1:0, 2 event loops; wait until the proxy logs that it listens, SETTLE seconds more, read
# VmRSS from /proc/PID/status, stop it. Variants take turns (A B C A B C ...) so that the machine's
# drift hits them alike. Prints min / median / max in MiB per variant.
# Needs examples/target/edge-proxy.jar (mvn -q -DskipTests package) and a JDK (javac) for the floor.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STARTS=${STARTS:-5}
SETTLE=${SETTLE:-5}
[[ $# -gt 0 ]] || set -- 'defaults='
[[ -f $ROOT/examples/target/edge-proxy.jar ]] \
  || { echo "idle-rss: build the launcher first: mvn -q -DskipTests package" >&2; exit 1; }
command -v javac > /dev/null || { echo "idle-rss: javac not found (the floor needs a JDK)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/edgeproxy-idle-rss.XXXXXX)
# rss_mib runs in a command substitution (a subshell): it leaves the pid it started in a file, so
# that an interrupted run stops it too.
trap '[[ -s $WORK/running.pid ]] && kill "$(cat "$WORK/running.pid")" 2> /dev/null; rm -rf "$WORK"' EXIT
printf '[[backends]]\nid = "origin"\napp = "bench"\nregion = "sa"\ncountry = "BR"\nwg_ip = "127.0.0.1"\nport = 18080\n' \
  > "$WORK/backends.toml"
cat > "$WORK/Idle.java" <<'EOF'
public class Idle {
    public static void main(String[] args) throws Exception {
        System.out.println("listening");
        Thread.sleep(600_000);
    }
}
EOF
javac -d "$WORK" "$WORK/Idle.java"

rss_mib() {  # rss_mib LOG COMMAND...: starts COMMAND, prints its VmRSS in MiB once idle
  local log=$1; shift
  : > "$log"
  "$@" > "$log" 2>&1 &
  local pid=$! i
  echo "$pid" > "$WORK/running.pid"
  for ((i = 0; i < 300; i++)); do grep -q "listening" "$log" && break; sleep 0.1; done
  grep -q "listening" "$log" || { echo "idle-rss: no 'listening' line from: $*" >&2; cat "$log" >&2; kill "$pid"; exit 1; }
  sleep "$SETTLE"
  awk '/^VmRSS/ { printf "%.1f\n", $2 / 1024 }' "/proc/$pid/status"
  kill "$pid"
  wait "$pid" 2> /dev/null || true
  : > "$WORK/running.pid"
}

labels=("floor: trivial Java program, -XX:+UseSerialGC -Xss256k -XX:TieredStopAtLevel=1 -Xms64m -Xmn8m")
for variant in "$@"; do labels+=("${variant%%=*}"); done
declare -A samples
for ((start = 1; start <= STARTS; start++)); do
  samples[0]+="$(rss_mib "$WORK/floor.log" java -XX:+UseSerialGC -Xss256k -XX:TieredStopAtLevel=1 -Xms64m -Xmn8m -cp "$WORK" Idle) "
  i=1
  for variant in "$@"; do
    samples[$i]+="$(EDGEPROXY_CONFIG_PATH="$WORK/backends.toml" EDGEPROXY_LISTEN_ADDR=127.0.0.1:0 EDGEPROXY_EVENT_LOOPS=2 \
      JAVA_OPTS="${variant#*=}" rss_mib "$WORK/proxy.log" "$ROOT/edge-proxy") "
    i=$((i + 1))
  done
done

echo "| variant | JAVA_OPTS | idle RSS, MiB (min / median / max of $STARTS) |"
echo "|---|---|---|"
for ((i = 0; i < ${#labels[@]}; i++)); do
  opts="-"
  (( i > 0 )) && { v=${*:i:1}; opts="${v#*=}"; opts=${opts:-"(none: the launcher's defaults)"}; }
  tr ' ' '\n' <<< "${samples[$i]}" | grep . | sort -n | awk -v label="${labels[$i]}" -v opts="$opts" '
    { v[NR] = $1 }
    END { printf "| %s | %s | %.1f / %.1f / %.1f |\n", label, opts, v[1], v[int((NR + 1) / 2)], v[NR] }'
done
