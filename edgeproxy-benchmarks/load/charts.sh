#!/usr/bin/env bash
# SVG charts for the docs from one run of the load harness (../shared/bench/peer-bench.sh).
#
# Reads only the harness's raw.tsv (one row per system, workload, metric and repetition; NA or
# empty values are skipped) and writes into OUT_DIR:
#   w1-rps.svg, w1-p99_ms.svg, w2-rps.svg, w3-gbps_P1.svg, w4-rss_kib_per_conn.svg, ...
#       one per (workload, metric) in the file: a bar per system (in the order of the file,
#       `direct` last and grey), height = median over repetitions, error bar = min to max
#   ratios.svg
#       per (workload, metric): the edgeproxy* system's median against the best peer's (peers: all
#       but `direct` and edgeproxy*), as best peer / edgeproxy where lower is better, so >1 always
#       means edgeproxy is better
# and prints the same figures as a markdown table on stdout, to paste into the docs.
#
# usage: edgeproxy-benchmarks/load/charts.sh RAW_TSV OUT_DIR
#   e.g. edgeproxy-benchmarks/load/charts.sh /tmp/peer-bench/20261130-122126/raw.tsv docs/img/bench
# Needs gnuplot (Debian: gnuplot-nox) and awk.
set -euo pipefail

die() { echo "charts.sh: $*" >&2; exit 1; }
[[ $# -eq 2 ]] || die "usage: $0 RAW_TSV OUT_DIR"
RAW=$1 OUT=$2
[[ -f $RAW && -r $RAW ]] || die "cannot read $RAW"
command -v gnuplot > /dev/null || die "gnuplot is not installed (Debian: apt-get install gnuplot-nox)"

# workload|metric|lower or higher is better|title words|short label. The metrics peer-bench.sh records.
SPECS=(
  "W1|rps|higher|keep-alive requests per second|W1 keep-alive req/s"
  "W1|p50_ms|lower|keep-alive latency, 50th percentile|W1 latency p50"
  "W1|p99_ms|lower|keep-alive latency, 99th percentile|W1 latency p99"
  "W2|rps|higher|new connections per second|W2 new connections/s"
  "W3|gbps_P1|higher|bulk throughput, 1 stream|W3 bulk, 1 stream"
  "W3|gbps_P4|higher|bulk throughput, 4 streams|W3 bulk, 4 streams"
  "W4|rss_kib_per_conn|lower|memory growth per idle connection|W4 memory per idle conn"
  "W4|rss_base_mib|lower|resident memory before the idle connections|W4 base memory"
  "W5|mibps|higher|keep-alive 1 MiB GETs|W5 1 MiB GETs"
)
LOWER=$(printf '%s\n' "${SPECS[@]}" | awk -F'|' '$3 == "lower" { printf "%s/%s ", $1, $2 }')

# Output lines, tab-separated:
#   T ts                       the first row's time stamp
#   Y system class             systems in file order, direct last; class 1 = edgeproxy*, 2 = direct, 0 = peer
#   S wl metric unit system class median min max n fmt(median) fmt(min) fmt(max)
#   R wl metric ratio best_peer
STATS=$(awk -F'\t' -v lower="$LOWER" '
  function fmt(v,   s, i) {
    if (v >= 1000 || v <= -1000) {
      s = sprintf("%.0f", v); i = length(s) - 3
      for (; i > (v < 0 ? 1 : 0); i -= 3) s = substr(s, 1, i) "," substr(s, i + 1)
      return s
    }
    return sprintf((v >= 100 || v <= -100) ? "%.1f" : (v >= 10 || v <= -10) ? "%.2f" : "%.3f", v)
  }
  NR == 1 { if ($3 != "system" || $7 != "value") { bad = 1; exit }; next }
  NR == 2 { ts = $1 }
  $7 !~ /^-?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$/ { next }
  {
    if (!($3 in cls)) {
      cls[$3] = $3 == "direct" ? 2 : ($3 ~ /^edgeproxy/ && ep == "") ? 1 : 0
      if (cls[$3] == 1) ep = $3
      if ($3 != "direct") sys[++ns] = $3
    }
    p = $4 "\t" $5
    if (!(p in unit)) { unit[p] = $6; pairs[++np] = p }
    k = p "\t" $3; v[k, ++n[k]] = $7 + 0
  }
  END {
    if (bad) { print "charts.sh: " FILENAME " has no peer-bench raw.tsv header" > "/dev/stderr"; exit 2 }
    if ("direct" in cls) sys[++ns] = "direct"
    print "T\t" ts
    for (i = 1; i <= ns; i++) print "Y\t" sys[i] "\t" cls[sys[i]]
    for (j = 1; j <= np; j++) {
      p = pairs[j]; split(p, wm, "\t"); lo = index(" " lower, " " wm[1] "/" wm[2] " ") > 0
      best = ""; split("", med)
      for (i = 1; i <= ns; i++) {
        s = sys[i]; k = p "\t" s; c = n[k]
        if (!c) continue
        for (a = 2; a <= c; a++) for (b = a; b > 1 && v[k, b - 1] > v[k, b]; b--) { t = v[k, b]; v[k, b] = v[k, b - 1]; v[k, b - 1] = t }
        m = c % 2 ? v[k, (c + 1) / 2] : (v[k, c / 2] + v[k, c / 2 + 1]) / 2
        med[s] = m
        print "S\t" p "\t" unit[p] "\t" s "\t" cls[s] "\t" m "\t" v[k, 1] "\t" v[k, c] "\t" c "\t" fmt(m) "\t" fmt(v[k, 1]) "\t" fmt(v[k, c])
        if (cls[s] == 0 && (best == "" || (lo ? m < med[best] : m > med[best]))) best = s
      }
      if (best != "" && (ep in med) && (lo ? med[ep] : med[best]) != 0)
        printf "R\t%s\t%.4f\t%s\n", p, lo ? med[best] / med[ep] : med[ep] / med[best], best
    }
  }' "$RAW")
grep -q '^S' <<< "$STATS" || die "$RAW has no data rows"
mkdir -p "$OUT"

RUN_TS=$(awk -F'\t' '$1 == "T" { sub("T", " ", $2); print $2 }' <<< "$STATS")
CAPTION="peer-bench run of $RUN_TS, loopback; compare only within one run"
mapfile -t SYSTEMS < <(awk -F'\t' '$1 == "Y" { print $2 }' <<< "$STATS")
EP=$(awk -F'\t' '$1 == "Y" && $3 == 1 { print $2 }' <<< "$STATS")
for p in $(awk -F'\t' '$1 == "S" { print $2 "/" $3 }' <<< "$STATS" | sort -u); do
  grep -q "^${p%/*}|${p#*/}|" < <(printf '%s\n' "${SPECS[@]}") || echo "charts.sh: no chart for unknown metric $p" >&2
done

# Common gnuplot settings; $1 = output file.
gp_head() {
  cat << EOF
set terminal svg size 720,420 dynamic font 'sans,12' noenhanced
set output '${1//\'/\'\'}'
set datafile separator '\t'
set label 99 "$CAPTION" at screen 0.99, screen 0.03 right font ',9' textcolor rgb '#666666'
set bmargin 5
set border 3
set tics nomirror
set key off
set style fill solid 0.9 noborder
colour(c) = c == 1 ? 0xd95f02 : c == 2 ? 0xb0b0b0 : 0x4c72b0
EOF
}

MD_HEAD="| workload / metric | unit |" MD_RULE="|---|---|"
for s in "${SYSTEMS[@]}"; do
  [[ $s == direct ]] && s="direct (no proxy)"
  MD_HEAD+=" $s |" MD_RULE+="---|"
done
[[ -n $EP ]] && MD_HEAD+=" $EP vs best peer (>1 = better) |" MD_RULE+="---|"
echo "$MD_HEAD"; echo "$MD_RULE"

RATIOS=""
for spec in "${SPECS[@]}"; do
  IFS='|' read -r wl metric better words short <<< "$spec"
  rows=$(awk -F'\t' -v w="$wl" -v m="$metric" '$1 == "S" && $2 == w && $3 == m' <<< "$STATS")
  [[ -n $rows ]] || continue
  unit=$(head -1 <<< "$rows" | cut -f4) count=$(wc -l <<< "$rows")
  runs=$(awk -F'\t' 'NR == 1 || $10 < a { a = $10 } $10 > b { b = $10 } END { print a == b ? a : a "-" b }' <<< "$rows")
  line="| $short | $unit |"
  for s in "${SYSTEMS[@]}"; do
    line+=" $(awk -F'\t' -v s="$s" '$5 == s { printf "%s (%s-%s)", $11, $12, $13; f = 1 } END { if (!f) printf "-" }' <<< "$rows") |"
  done
  ratio=$(awk -F'\t' -v w="$wl" -v m="$metric" '$1 == "R" && $2 == w && $3 == m { printf "%.2f\t%s", $4, $5 }' <<< "$STATS")
  if [[ -n $ratio ]]; then
    RATIOS+="$short vs ${ratio#*$'\t'}"$'\t'"${ratio%$'\t'*}"$'\n'
    line+=" ${ratio%$'\t'*} (vs ${ratio#*$'\t'}) |"
  elif [[ -n $EP ]]; then
    line+=" - |"
  fi
  echo "$line"

  {
    gp_head "$OUT/${wl,,}-$metric.svg"
    echo "set title \"$wl: $words (median, min-max over $runs runs), $better is better\""
    echo "set ylabel '$unit'"
    echo "set xrange [0.4:$count.6]"
    echo "set yrange [0:*]"
    echo "set offsets 0, 0, graph 0.1, 0"
    awk -F'\t' -v n="$count" '
      function wrap(s,   i, c, d, best, bd) {   # long names on two lines, split at the middlemost - or space
        for (i = 2; length(s) > 14 && i < length(s); i++) {
          c = substr(s, i, 1); d = (i - length(s) / 2) ^ 2
          if ((c == "-" || c == " ") && (!best || d < bd)) { best = i; bd = d }
        }
        return best ? substr(s, 1, substr(s, best, 1) == " " ? best - 1 : best) "\\n" substr(s, best + 1) : s
      }
      { printf "%s\"%s\" %d", NR == 1 ? "set xtics scale 0 font \"," (n > 5 ? 10 : 12) "\" (" : ", ", wrap($6 == 2 ? "direct (no proxy)" : $5), NR }
      END { print ")" }' <<< "$rows"
    echo "set grid ytics lc rgb '#e0e0e0'"
    echo "\$d << EOD"
    awk -F'\t' '{ printf "%d\t%s\t%s\t%s\t%d\t\"%s\"\n", NR, $7, $8, $9, $6, $11 }' <<< "$rows"
    echo "EOD"
    echo "plot \$d using 1:2:(0.6):(colour(\$5)) with boxes lc rgb variable, \\"
    echo "  '' using 1:2:3:4 with yerrorbars lc rgb '#333333' pt -1, \\"
    echo "  '' using 1:4:6 with labels offset 0, 0.8 font ',10'"
  } | gnuplot
done

if [[ -n $RATIOS ]]; then
  xmax=$(awk -F'\t' '$2 > m { m = $2 } END { x = m > 1 ? m : 1; print x * 1.2 }' <<< "$RATIOS")
  n=$(grep -c . <<< "$RATIOS")
  {
    gp_head "$OUT/ratios.svg"
    echo "set title 'edgeproxy against the best peer, medians (>1 = edgeproxy is better)'"
    echo "set label 99 'edgeproxy = $EP; $CAPTION'"
    echo "set xlabel 'edgeproxy / best peer (best peer / edgeproxy where lower is better)'"
    echo "set xrange [0:$xmax]"
    echo "set yrange [$n.6:0.4]"
    echo "set ytics scale 0"
    echo "set grid xtics lc rgb '#e0e0e0'"
    echo "set arrow from first 1, graph 0 to first 1, graph 1 nohead dt 2 lw 1.5 lc rgb '#333333' front"
    echo "\$r << EOD"
    # value labels at the bar's end, or just past the 1.0 line when the bar ends right before it
    awk -F'\t' -v xmax="$xmax" '{ printf "%d\t%s\t%d\t\"%s\"\t%s\n", NR, $2, ($2 >= 1), $1, ($2 < 1 && $2 > 1 - xmax / 15) ? 1 : $2 }' <<< "$RATIOS"
    echo "EOD"
    echo "plot \$r using (\$2/2):1:(0):2:(\$1-0.3):(\$1+0.3):(colour(\$3)):ytic(4) with boxxyerror lc rgb variable, \\"
    echo "  '' using 5:1:(sprintf('%.2f', \$2)) with labels left offset 0.5, 0 font ',10'"
  } | gnuplot
fi
