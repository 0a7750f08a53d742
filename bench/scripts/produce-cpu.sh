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
source "$(dirname "$0")/perf-common.sh"
bs=$2 topic=$3 acks=$4 n=$5 size=$6

tool org.apache.kafka.tools.ProducerPerformance \
  --topic "$topic" --num-records "$n" --record-size "$size" --throughput -1 --print-metrics \
  --producer-props bootstrap.servers="$bs" acks="$acks"

summary="$(grep 'records sent' "$work/out" | tail -1)"
echo "acks=$acks size=$size records/s=$(echo "$summary" | sed -E 's/.*records sent, ([0-9.]+) records\/sec.*/\1/')" \
  "nodes_cpu_s=$(nodes_cpu) client_cpu_s=$(client_cpu)" \
  "batch_size_avg=$(metric producer-metrics batch-size-avg) records_per_request=$(metric producer-metrics records-per-request-avg)" \
  "request_latency_avg_ms=$(metric producer-metrics request-latency-avg) throttle_ms=$(metric producer-metrics produce-throttle-time-avg)" \
  "retries=$(metric producer-metrics record-retry-total) errors=$(metric producer-metrics record-error-total) load=$(load)"
per_thread
