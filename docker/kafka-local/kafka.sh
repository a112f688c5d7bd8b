#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft) for development and tests,
# started from the official jars on Maven Central with the machine's Java.
#
#   kafka.sh fetch   download the broker jars once into $KAFKA_JARS_DIR
#   kafka.sh up      fetch, format fresh storage in a temp dir, start, wait for metadata
#   kafka.sh down    stop the broker and remove its data dir
#   kafka.sh status  print the bootstrap address if a broker is running
#
# Settings (environment):
#   KAFKA_PORT             client port on 127.0.0.1 (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default KAFKA_PORT + 1)
#   KAFKA_RUN_DIR          where pid/bootstrap/datadir files live (default <repo>/.kafka)
#   KAFKA_JARS_DIR         jar cache outside git (default ~/.cache/phi-scrub/kafka-<version>)
#   KAFKA_HEAP             JVM heap (default 384m)
#   KAFKA_START_TIMEOUT    seconds to wait for a metadata answer (default 90)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
kafka_version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"

port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
run_dir="${KAFKA_RUN_DIR:-$repo/.kafka}"
jars_dir="${KAFKA_JARS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/phi-scrub/kafka-$kafka_version}"
heap="${KAFKA_HEAP:-384m}"
start_timeout="${KAFKA_START_TIMEOUT:-90}"
bootstrap="127.0.0.1:$port"
probe=(python3 "$repo/streams/broker_probe.py")

log() { echo "kafka-local: $*" >&2; }

running_pid() {
  # Prints the pid of the broker recorded in $run_dir if that process is alive.
  local pid
  [[ -f "$run_dir/kafka.pid" ]] || return 1
  pid="$(cat "$run_dir/kafka.pid")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

fetch() {
  if [[ -f "$jars_dir/.complete" ]]; then
    return 0
  fi
  log "fetching Apache Kafka $kafka_version jars from Maven Central into $jars_dir"
  rm -rf "$jars_dir"
  mkdir -p "$jars_dir"
  mvn -B -q -f "$here/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$jars_dir" -DincludeScope=runtime
  ls "$jars_dir"/kafka_2.13-*.jar >/dev/null
  touch "$jars_dir/.complete"
}

write_config() {
  local data_dir="$1"
  cat >"$data_dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data_dir/logs
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
# Records (batches) up to 25 MiB: a 20 MB HL7 batch or FHIR bundle must get through.
# replica.fetch.max.bytes matches it for a multi-node copy of this file; the default
# socket.request.max.bytes (100 MiB) and fetch.max.bytes (55 MiB) already fit.
message.max.bytes=26214400
replica.fetch.max.bytes=26214400
EOF
  cat >"$data_dir/log4j.properties" <<EOF
log4j.rootLogger=WARN, file
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$data_dir/broker.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

start_once() {
  local data_dir cluster_id
  data_dir="$(mktemp -d -t phi-scrub-kafka.XXXXXX)"
  echo "$data_dir" >"$run_dir/kafka.datadir"
  write_config "$data_dir"
  cluster_id="$(python3 -c 'import base64,uuid;print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')"
  if ! java -cp "$jars_dir/*" -Dlog4j.configuration="file:$data_dir/log4j.properties" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$data_dir/server.properties" \
    >"$data_dir/format.log" 2>&1; then
    log "formatting the broker's storage failed; last lines of its output:"
    tail -n 20 "$data_dir/format.log" >&2 || true
    return 1
  fi
  # setsid: the broker must outlive `make`, and must not get the caller's Ctrl-C.
  setsid nohup java -Xms"$heap" -Xmx"$heap" -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$data_dir/log4j.properties" \
    -cp "$jars_dir/*" kafka.Kafka "$data_dir/server.properties" \
    >"$data_dir/stdout.log" 2>&1 </dev/null &
  echo $! >"$run_dir/kafka.pid"
  echo "$bootstrap" >"$run_dir/bootstrap"
  local deadline=$((SECONDS + start_timeout))
  while ((SECONDS < deadline)); do
    if ! running_pid >/dev/null; then
      log "broker process exited during start-up; last lines of its log:"
      tail -n 20 "$data_dir/broker.log" "$data_dir/stdout.log" "$data_dir/format.log" >&2 || true
      ls -la "$data_dir" "$data_dir"/*/ >&2 2>/dev/null || true  # what the format left
      return 1
    fi
    if "${probe[@]}" "$bootstrap" 2 2>/dev/null; then
      log "broker ready at $bootstrap (pid $(cat "$run_dir/kafka.pid"), data $data_dir)"
      return 0
    fi
    sleep 0.5
  done
  log "broker at $bootstrap did not answer a metadata request within ${start_timeout}s"
  return 1
}

up() {
  mkdir -p "$run_dir"
  local pid
  if pid="$(running_pid)"; then
    log "already running at $(cat "$run_dir/bootstrap") (pid $pid)"
    return 0
  fi
  fetch
  # A loaded 2-core machine can be slow to form the KRaft quorum: retry once.
  if start_once; then return 0; fi
  log "retrying start once"
  down
  mkdir -p "$run_dir"
  start_once
}

down() {
  local pid data_dir
  if pid="$(running_pid)"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "broker did not stop in 30s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    fi
    log "stopped broker (pid $pid)"
  fi
  if [[ -f "$run_dir/kafka.datadir" ]]; then
    data_dir="$(cat "$run_dir/kafka.datadir")"
    # Only ever delete what this script created.
    case "$data_dir" in
      */phi-scrub-kafka.*) rm -rf "$data_dir" ;;
    esac
  fi
  rm -f "$run_dir/kafka.pid" "$run_dir/kafka.datadir" "$run_dir/bootstrap"
  rmdir "$run_dir" 2>/dev/null || true
}

status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running at $(cat "$run_dir/bootstrap") (pid $pid)"
  else
    echo "not running"
    return 1
  fi
}

case "${1:-}" in
  fetch) fetch ;;
  up) up ;;
  down) down ;;
  status) status ;;
  *)
    echo "usage: $0 fetch|up|down|status" >&2
    exit 2
    ;;
esac
