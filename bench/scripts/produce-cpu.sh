#!/usr/bin/env bash
# Kafka's ProducerPerformance against a running 3-node cluster, with what bench compare does not show:
# the CPU of every node and of the client (ticks from /proc, per thread name), and the producer's
# own metrics (--print-metrics: batch size, records per request, request latency, throttle time,
# retries, errors, metadata age). One line of figures per run, then the node CPU by thread name.
#
#   bench/scripts/produce-cpu.sh PIDS BOOTSTRAP TOPIC ACKS RECORDS RECORD_SIZE
#
# PIDS: the nodes' process ids, comma separated. The topic must exist. Needs the bench module's
# Kafka classpath (bench/target/apache-kafka.classpath, written by the first `bin/weir bench`).
# docs/BENCHMARKS.md, "Produce: where the CPU goes", shows how it was used.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
kcp="${KAFKA_CLASSPATH:-$(cat "$root/bench/target/apache-kafka.classpath")}"
IFS=, read -r -a pids <<< "$1"
bs=$2 topic=$3 acks=$4 n=$5 size=$6
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

threads() { # name ticks, one line per thread of every node
  for p in "${pids[@]}"; do
    for t in /proc/"$p"/task/*; do
      s="$(cat "$t/stat" 2>/dev/null)" || continue
      name="${s#*(}"; name="${name%)*}"; rest="${s##*) }"
      read -r -a f <<< "$rest"
      echo "$p/${t##*/} $(echo "$name" | tr -d ' ' | sed 's/[0-9]\+/N/g') $(( f[11] + f[12] ))"
    done
  done
}

threads > "$work/before"
/usr/bin/time -f "CLIENT_CPU %U %S" java -Xmx512m ${CLIENT_OPTS:-} -cp "$kcp" org.apache.kafka.tools.ProducerPerformance \
  --topic "$topic" --num-records "$n" --record-size "$size" --throughput -1 --print-metrics \
  --producer-props bootstrap.servers="$bs" acks="$acks" > "$work/out" 2>&1
threads > "$work/after"

metric() { grep -E "^producer-metrics:$1:" "$work/out" | head -1 | awk '{print $NF}'; }
summary="$(grep 'records sent' "$work/out" | tail -1)"
nodes="$(join <(sort "$work/before") <(sort "$work/after") | awk '{s += $5 - $3} END {printf "%.2f", s / 100}')"
echo "acks=$acks size=$size records/s=$(echo "$summary" | sed -E 's/.*records sent, ([0-9.]+) records\/sec.*/\1/')" \
  "nodes_cpu_s=$nodes client_cpu_s=$(awk '/CLIENT_CPU/ {printf "%.2f", $2 + $3}' "$work/out")" \
  "batch_size_avg=$(metric batch-size-avg) records_per_request=$(metric records-per-request-avg)" \
  "request_latency_avg_ms=$(metric request-latency-avg) throttle_ms=$(metric produce-throttle-time-avg)" \
  "retries=$(metric record-retry-total) errors=$(metric record-error-total) load=$(cut -d' ' -f1 /proc/loadavg)"
join <(sort "$work/before") <(sort "$work/after") \
  | awk '{t[$2] += $5 - $3} END {for (n in t) if (t[n] > 0) printf "%s=%.2f\n", n, t[n] / 100}' | sort -t= -k2 -rn \
  | head -8 | paste -sd' ' | sed 's/^/  node CPU s by thread: /'
