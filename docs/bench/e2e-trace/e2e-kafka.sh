#!/usr/bin/env bash
# e2e-kafka.sh RECORDS: a fresh 3-node Kafka 4.3.1 KRaft cluster in 33000-33999, EndToEndLatency, stop.
set -u
n=${1:-1000}; acks=${2:-all}
root=${WEIR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
work=${WORK:-/tmp/weir-e2e}; mkdir -p $work
kcp=$(cat $root/bench/target/apache-kafka.classpath)
dir=$work/k
for attempt in 1 2 3 4; do
  P=$((${BASE_PORT:-33000} + (RANDOM % 70) * 10))  # a new base each try: it may collide with ephemeral ports
  rm -rf $dir; mkdir -p $dir
  cid=$(java -cp "$kcp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
  voters="1@127.0.0.1:$((P+100)),2@127.0.0.1:$((P+101)),3@127.0.0.1:$((P+102))"
  pids=()
  for id in 1 2 3; do
    nd=$dir/node-$id; mkdir -p $nd/data
    cat > $nd/server.properties <<P
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$((P+id-1)),CONTROLLER://127.0.0.1:$((P+100+id-1))
advertised.listeners=PLAINTEXT://127.0.0.1:$((P+id-1))
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$nd/data
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
P
    cat > $nd/log4j2.properties <<P
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $nd/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
P
    java -Xmx256m -Dlog4j2.configurationFile=$nd/log4j2.properties -cp "$kcp" kafka.tools.StorageTool format -t $cid -c $nd/server.properties > $nd/format.log 2>&1
  done
  for id in 1 2 3; do
    nd=$dir/node-$id
    java -Xmx1g -Dlog4j2.configurationFile=$nd/log4j2.properties -cp "$kcp" kafka.Kafka $nd/server.properties > $nd/stdout.log 2>&1 &
    pids+=($!)
  done
  bs=127.0.0.1:$P,127.0.0.1:$((P+1)),127.0.0.1:$((P+2))
  ok=0
  for i in $(seq 1 90); do
    sleep 2
    alive=1; for p in "${pids[@]}"; do kill -0 $p 2>/dev/null || alive=0; done
    [ $alive = 1 ] || break
    if java -Xmx256m -cp "$kcp" org.apache.kafka.tools.TopicCommand --bootstrap-server $bs --create --topic e2e --partitions 6 --replication-factor 3 --config min.insync.replicas=2 > $dir/topic.log 2>&1 || grep -q 'already exists' $dir/topic.log; then ok=1; break; fi
  done
  [ $ok = 1 ] && break
  echo "kafka start failed on $P" >&2
  for p in "${pids[@]}"; do kill $p 2>/dev/null; done; wait
done
sleep 2
load=$(cut -d' ' -f1 /proc/loadavg)
out=$(java -Xmx256m -cp "$kcp" org.apache.kafka.tools.EndToEndLatency --bootstrap-server $bs --topic e2e --num-records $n --producer-acks $acks --record-size 100 2>/dev/null | grep -E 'Avg latency|Percentiles')
load2=$(cut -d' ' -f1 /proc/loadavg)
echo "kafka acks=$acks n=$n load=$load/$load2 $(echo $out | tr '\n' ' ')"
for p in "${pids[@]}"; do kill $p 2>/dev/null; done
wait
