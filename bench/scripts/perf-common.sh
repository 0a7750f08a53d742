# Sourced by produce-cpu.sh and consume-cpu.sh: what both measure around one run of a Kafka
# performance tool against a running cluster. Sets root, kcp (Kafka's classpath), pids (from $1,
# comma separated) and work (a temporary directory removed on exit).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kcp="${KAFKA_CLASSPATH:-$(cat "$root/bench/target/apache-kafka.classpath")}"
IFS=, read -r -a pids <<< "$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

threads() { # "pid/tid name ticks", one line per thread of every node; digits in names become N
  for p in "${pids[@]}"; do
    for t in /proc/"$p"/task/*; do
      s="$(cat "$t/stat" 2>/dev/null)" || continue
      name="${s#*(}"; name="${name%)*}"; rest="${s##*) }"
      read -r -a f <<< "$rest"
      echo "$p/${t##*/} $(echo "$name" | tr -d ' ' | sed 's/[0-9]\+/N/g') $(( f[11] + f[12] ))"
    done
  done
}

tool() { # tool CLASS ARGS...: runs one Kafka tool as the client, its output and CPU in $work/out
  threads > "$work/before"
  /usr/bin/time -f "CLIENT_CPU %U %S %e" java -Xmx512m ${CLIENT_OPTS:-} -cp "$kcp" "$@" > "$work/out" 2>&1
  threads > "$work/after"
}

nodes_cpu() { # CPU seconds of all nodes over the last tool run
  join <(sort "$work/before") <(sort "$work/after") | awk '{s += $5 - $3} END {printf "%.2f", s / 100}'
}

client_cpu() { # CPU seconds of the client JVM of the last tool run
  awk '/CLIENT_CPU/ {printf "%.2f", $2 + $3}' "$work/out"
}

client_wall() { # wall seconds of the last tool run, JVM start to exit
  awk '/CLIENT_CPU/ {printf "%.2f", $4}' "$work/out"
}

idle_rate() { # idle_rate SECONDS: the nodes' CPU seconds per second while no client runs
  threads > "$work/idle-before"; sleep "$1"; threads > "$work/idle-after"
  join <(sort "$work/idle-before") <(sort "$work/idle-after") | awk -v s="$1" '{c += $5 - $3} END {printf "%.4f", c / 100 / s}'
}

metric() { # metric GROUP NAME: first value of a --print-metrics metric
  grep -E "^$1:$2:" "$work/out" | head -1 | awk '{print $NF}'
}

per_thread() { # the nodes' CPU seconds by thread name over the last tool run, the top N (default 8)
  join <(sort "$work/before") <(sort "$work/after") \
    | awk '{t[$2] += $5 - $3} END {for (n in t) if (t[n] > 0) printf "%s=%.2f\n", n, t[n] / 100}' | sort -t= -k2 -rn \
    | head -"${1:-8}" | paste -sd' ' | sed 's/^/  node CPU s by thread: /'
}

load() { cut -d' ' -f1 /proc/loadavg; }
