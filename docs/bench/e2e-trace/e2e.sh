#!/usr/bin/env bash
# e2e.sh LABEL CLASSPATH_FILE RECORDS [ACKS]: a fresh 3-node Weir cluster (base port BASE_PORT..+699, default 33000), topic e2e (6 partitions, RF 3, min.insync.replicas 2), Kafka's EndToEndLatency, cluster down. CLASSPATH_FILE holds the classpath of the build to run, e.g. bench/target/weir-bench.classpath (bin/weir bench writes it); copy a build's jars to keep a baseline.
set -u
label=$1; cpf=$2; n=${3:-1000}; acks=${4:-all}
root=${WEIR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
work=${WORK:-/tmp/weir-e2e}; mkdir -p $work
flags=$(cat $root/storage/target/classes/weir-jvm-flags.txt)
kcp=$(cat $root/bench/target/apache-kafka.classpath)
dir=$work/c-$label
cp=$(cat $cpf)
for attempt in 1 2 3 4; do
  P=$((${BASE_PORT:-33000} + (RANDOM % 70) * 10))  # a new base each try: it may collide with ephemeral ports
  rm -rf $dir
  if java $flags -cp "$cp" io.weir.cli.WeirCli cluster up --nodes 3 --base-port $P --dir $dir > $work/up-$label.log 2>&1; then break; fi
  echo "up failed on $P: $(tail -1 $work/up-$label.log)" >&2
  java $flags -cp "$cp" io.weir.cli.WeirCli cluster down --dir $dir > /dev/null 2>&1
done
bs=127.0.0.1:$P,127.0.0.1:$((P+1)),127.0.0.1:$((P+2))
java -Xmx256m -cp "$kcp" org.apache.kafka.tools.TopicCommand --bootstrap-server $bs --create --topic e2e --partitions 6 --replication-factor 3 --config min.insync.replicas=2 > $work/topic-$label.log 2>&1 || { echo "topic failed" >&2; }
sleep 2
load=$(cut -d' ' -f1 /proc/loadavg)
out=$(java -Xmx256m -cp "$kcp" org.apache.kafka.tools.EndToEndLatency --bootstrap-server $bs --topic e2e --num-records $n --producer-acks $acks --record-size 100 2>/dev/null | grep -E 'Avg latency|Percentiles')
load2=$(cut -d' ' -f1 /proc/loadavg)
echo "$label acks=$acks n=$n load=$load/$load2 $(echo $out | tr '\n' ' ')"
java $flags -cp "$cp" io.weir.cli.WeirCli cluster down --dir $dir > /dev/null 2>&1
