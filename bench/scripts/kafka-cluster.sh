#!/usr/bin/env bash
# Apache Kafka (the bench module's kafka_2.13, bench/target/apache-kafka.classpath) as 3 local nodes
# in KRaft combined mode, as `bin/weir bench compare` starts it (bench's KafkaCluster): broker ports
# P..P+2, controller ports P+100..P+102, 1 GiB heap per node, internal topics RF=3, else defaults.
#
#   bench/scripts/kafka-cluster.sh up DIR BASE_PORT    # prints the nodes' pids, comma separated
#   bench/scripts/kafka-cluster.sh down DIR            # stops them (SIGTERM, then SIGKILL) and removes DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cmd=$1 dir=$2

stop() { # SIGTERM to every node this script started in $dir, then SIGKILL after 30 s
  for f in "$dir"/node-*/pid; do [ -f "$f" ] && { kill "$(cat "$f")" 2>/dev/null || true; }; done
  for f in "$dir"/node-*/pid; do
    [ -f "$f" ] || continue
    for _ in $(seq 30); do kill -0 "$(cat "$f")" 2>/dev/null || break; sleep 1; done
    kill -9 "$(cat "$f")" 2>/dev/null || true
  done
}

if [ "$cmd" = down ]; then
  # Only a directory this script made (node-1/server.properties) is removed.
  [ -f "$dir/node-1/server.properties" ] || { echo "$dir is not a kafka-cluster.sh directory" >&2; exit 1; }
  stop
  rm -rf "$dir"
  exit 0
fi

port=$3
kcp="${KAFKA_CLASSPATH:-$(cat "$root/bench/target/apache-kafka.classpath")}"
voters="1@127.0.0.1:$((port + 100)),2@127.0.0.1:$((port + 101)),3@127.0.0.1:$((port + 102))"
id="$(java -cp "$kcp" kafka.tools.StorageTool random-uuid)"
for n in 1 2 3; do
  d="$dir/node-$n"; mkdir -p "$d/data"
  cat > "$d/server.properties" <<PROPS
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$((port + n - 1)),CONTROLLER://127.0.0.1:$((port + 99 + n))
advertised.listeners=PLAINTEXT://127.0.0.1:$((port + n - 1))
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$d/data
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
PROPS
  cat > "$d/log4j2.properties" <<PROPS
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $d/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
PROPS
  java -Xmx256m -Dlog4j2.configurationFile="$d/log4j2.properties" -cp "$kcp" kafka.tools.StorageTool \
    format -t "$id" -c "$d/server.properties" > "$d/format.log" 2>&1
done
for n in 1 2 3; do
  d="$dir/node-$n"
  nohup java -Xmx1g -Dlog4j2.configurationFile="$d/log4j2.properties" -cp "$kcp" kafka.Kafka "$d/server.properties" \
    > "$d/stdout.log" 2>&1 < /dev/null &
  echo $! > "$d/pid"
done
bs="127.0.0.1:$port,127.0.0.1:$((port + 1)),127.0.0.1:$((port + 2))"
for _ in $(seq 90); do
  out="$(java -Xmx128m -cp "$kcp" org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "$bs" 2>/dev/null \
    | grep -c '^127.0.0.1:' || true)"
  [ "$out" = 3 ] && { cat "$dir"/node-*/pid | paste -sd,; exit 0; }
  sleep 2
done
stop # the logs stay in $dir
echo "Kafka did not list 3 brokers within 180 s; stopped them; see $dir/node-*/server.log" >&2
exit 1
