#!/usr/bin/env bash
# Kafka's ConsumerPerformance against a running 3-node cluster, with the CPU of every node and of
# the client (ticks from /proc, per thread name) and the consumer's own fetch metrics
# (--print-metrics: fetch size, records per fetch, fetch latency, throttle time). Each run reads
# RECORDS records from the start of TOPIC with a new consumer group. One line of figures per run
# (also per million records), then the node CPU by thread name.
#
#   bench/scripts/consume-cpu.sh PIDS BOOTSTRAP TOPIC RECORDS
#
# With IDLE_S=N the nodes' CPU is first measured over N idle seconds, and nodes_net_s_per_M is their
# CPU per million records less what they spend idle (heartbeats, Raft, timers) over the run's wall time.
#
# PIDS: the nodes' process ids, comma separated. The topic must hold RECORDS records (fill it with
# produce-cpu.sh). Needs the bench module's Kafka classpath (bench/target/apache-kafka.classpath,
# written by the first `bin/weir bench`); kafka-cluster.sh starts Apache Kafka for comparison.
# docs/BENCHMARKS.md, "Consume: where the CPU goes", shows how it was used.
set -euo pipefail
source "$(dirname "$0")/perf-common.sh"
bs=$2 topic=$3 n=$4
idle="$( [ "${IDLE_S:-0}" -gt 0 ] && idle_rate "$IDLE_S" || echo 0)"

tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$bs" --topic "$topic" --num-records "$n" \
  --timeout 120000 --group "consume-cpu-$$-$(date +%s%N)" --print-metrics

# start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms,
# fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
summary="$(grep -A1 '^start.time, end.time,' "$work/out" | tail -1 | tr -d ' ')"
IFS=, read -r -a f <<< "$summary"
[ "${#f[@]}" = 10 ] || { echo "ConsumerPerformance printed no summary:" >&2; tail -20 "$work/out" >&2; exit 1; }
nodes="$(nodes_cpu)" client="$(client_cpu)" wall="$(client_wall)"
m=consumer-fetch-manager-metrics
echo "records=${f[4]} fetch_records/s=${f[9]} fetch_MB/s=${f[8]} join_ms=${f[6]} fetch_ms=${f[7]}" \
  "wall_s=$wall nodes_cpu_s=$nodes client_cpu_s=$client nodes_idle_cpu_per_s=$idle" \
  "nodes_s_per_M=$(awk -v c="$nodes" -v r="${f[4]}" 'BEGIN {printf "%.2f", c * 1e6 / r}')" \
  "nodes_net_s_per_M=$(awk -v c="$nodes" -v i="$idle" -v w="$wall" -v r="${f[4]}" 'BEGIN {printf "%.2f", (c - i * w) * 1e6 / r}')" \
  "client_s_per_M=$(awk -v c="$client" -v r="${f[4]}" 'BEGIN {printf "%.2f", c * 1e6 / r}')" \
  "fetch_size_avg=$(metric $m fetch-size-avg) records_per_fetch=$(metric $m records-per-request-avg)" \
  "fetch_latency_avg_ms=$(metric $m fetch-latency-avg) throttle_ms=$(metric $m fetch-throttle-time-avg) load=$(load)"
per_thread 10
