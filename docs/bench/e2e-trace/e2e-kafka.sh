#!/usr/bin/env bash
# e2e-kafka.sh RECORDS [ACKS]: a fresh 3-node Kafka 4.3.1 KRaft cluster (bench/scripts/kafka-cluster.sh) with its
# base port in BASE_PORT..+699 (default 33000), topic e2e (6 partitions, RF 3, min.insync.replicas 2), Kafka's
# EndToEndLatency, cluster down.
set -u
n=${1:-1000}; acks=${2:-all}
root=${WEIR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
work=${WORK:-/tmp/weir-e2e}; mkdir -p $work
kcp=$(cat $root/bench/target/apache-kafka.classpath)
cluster=$root/bench/scripts/kafka-cluster.sh
dir=$work/k
ok=0
for attempt in 1 2 3 4; do
  P=$((${BASE_PORT:-33000} + (RANDOM % 70) * 10))  # a new base each try: it may collide with ephemeral ports
  [ -f $dir/node-1/server.properties ] && $cluster down $dir
  rm -rf $dir
  if $cluster up $dir $P > $work/kafka-up.log 2>&1; then
    bs=127.0.0.1:$P,127.0.0.1:$((P+1)),127.0.0.1:$((P+2))
    if java -Xmx256m -cp "$kcp" org.apache.kafka.tools.TopicCommand --bootstrap-server $bs --create --topic e2e \
        --partitions 6 --replication-factor 3 --config min.insync.replicas=2 > $work/kafka-topic.log 2>&1; then
      ok=1; break
    fi
  fi
  echo "kafka start failed on $P: $(tail -1 $work/kafka-up.log $work/kafka-topic.log 2>/dev/null | tail -1)" >&2
done
[ $ok = 1 ] || { [ -f $dir/node-1/server.properties ] && $cluster down $dir; exit 1; }
sleep 2
load=$(cut -d' ' -f1 /proc/loadavg)
out=$(java -Xmx256m -cp "$kcp" org.apache.kafka.tools.EndToEndLatency --bootstrap-server $bs --topic e2e --num-records $n --producer-acks $acks --record-size 100 2>/dev/null | grep -E 'Avg latency|Percentiles')
load2=$(cut -d' ' -f1 /proc/loadavg)
echo "kafka acks=$acks n=$n load=$load/$load2 $(echo $out | tr '\n' ' ')"
$cluster down $dir
