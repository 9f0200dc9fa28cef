#!/usr/bin/env bash
# End-to-end benchmark: starts a throwaway Fjord broker, produces with acks=1, acks=all and
# acks=all with idempotence, consumes everything back, times consumer group rebalances and offset
# commits, and prints Markdown tables. See bench/README.md.
#
# Environment (all optional):
#   MESSAGES=100000 SIZE=1024 PARTITIONS=3 COMPRESSION=none
#   GROUP_PARTITIONS=10 MEMBERS=10 ROUNDS=5 HEARTBEAT_MS=1000 COMMIT_SECONDS=5
#   INITIAL_REBALANCE_DELAY_MS=1000  the broker's group.initial.rebalance.delay.ms
#   BUILD_DIR=<repo>/build/release  where fjord and fjord-loadgen are (built if missing)
#   SKIP_BUILD=1                    use the binaries as they are
#   FJORD_BIN=<path>                a broker binary other than $BUILD_DIR/fjord
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo/build/release}
fjord=${FJORD_BIN:-$build_dir/fjord}
loadgen=$build_dir/bench/fjord-loadgen
messages=${MESSAGES:-100000}
size=${SIZE:-1024}
partitions=${PARTITIONS:-3}
compression=${COMPRESSION:-none}
topic=bench-$size
group_partitions=${GROUP_PARTITIONS:-10}
members=${MEMBERS:-10}
rounds=${ROUNDS:-5}
heartbeat_ms=${HEARTBEAT_MS:-1000}
commit_seconds=${COMMIT_SECONDS:-5}
# Kafka's default is 3000. It only delays a group's first assignment, which no figure
# includes, so a shorter one just makes the run shorter.
initial_delay_ms=${INITIAL_REBALANCE_DELAY_MS:-1000}
group_topic=bench-groups

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    if [[ ! -f $build_dir/CMakeCache.txt ]]; then
        cmake -S "$repo" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
    fi
    targets=(fjord-loadgen)
    [[ -z ${FJORD_BIN:-} ]] && targets+=(fjord)
    cmake --build "$build_dir" -j2 --target "${targets[@]}" >&2
fi
for bin in "$fjord" "$loadgen"; do
    [[ -x $bin ]] || { echo "run.sh: $bin is missing (build it, or unset SKIP_BUILD)" >&2; exit 1; }
done

work=$(mktemp -d -t fjord-bench.XXXXXX)
broker_pid=
stop_broker() {
    [[ -n $broker_pid ]] || return 0
    kill -TERM "$broker_pid" 2>/dev/null || true
    # A clean stop flushes; give it 10 s before giving up on it.
    for _ in $(seq 100); do
        kill -0 "$broker_pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$broker_pid" 2>/dev/null; then
        echo "run.sh: broker did not stop on SIGTERM; killing it" >&2
        kill -KILL "$broker_pid" 2>/dev/null || true
    fi
    wait "$broker_pid" 2>/dev/null || true
    broker_pid=
}
cleanup() {
    stop_broker
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$fjord" serve --listen 127.0.0.1:0 --http 127.0.0.1:0 --data-dir "$work/data" --port-file "$work/port" \
    --log-level warn --set group.initial.rebalance.delay.ms="$initial_delay_ms" \
    2>"$work/broker.log" &
broker_pid=$!
for _ in $(seq 150); do
    [[ -s $work/port ]] && break
    if ! kill -0 "$broker_pid" 2>/dev/null; then
        echo "run.sh: the broker exited at start-up:" >&2
        cat "$work/broker.log" >&2
        broker_pid=
        exit 1
    fi
    sleep 0.1
done
[[ -s $work/port ]] || { echo "run.sh: no port file after 15 s" >&2; exit 1; }
brokers=127.0.0.1:$(<"$work/port")
echo "run.sh: broker on $brokers, data in $work/data" >&2

common=(--brokers "$brokers" --format markdown)
message_rows=()
group_rows=()
commit_rows=()
failed=0
# run ROWS COLUMNS LABEL LOADGEN-ARGS...: appends loadgen's rows to the array named ROWS, or a
# `failed` row of COLUMNS cells.
run() {
    local -n into=$1
    local columns=$2 label=$3
    shift 3
    local out
    if out=$("$loadgen" "$@" "${common[@]}"); then
        mapfile -t -O "${#into[@]}" into <<<"$out"
    else
        local row="| $label | failed (exit $?) |" i
        for ((i = 2; i < columns; i++)); do row+=" |"; done
        into+=("$row")
        failed=1
    fi
}
run message_rows 9 "produce acks=1" produce --topic "$topic" --messages "$messages" \
    --size "$size" --acks 1 --partitions "$partitions" --compression "$compression"
run message_rows 9 "produce acks=all" produce --topic "$topic" --messages "$messages" \
    --size "$size" --acks all --partitions "$partitions" --compression "$compression"
run message_rows 9 "produce acks=all idempotent" produce --topic "$topic" \
    --messages "$messages" --size "$size" --acks all --idempotent --partitions "$partitions" \
    --compression "$compression"
run message_rows 9 "produce acks=all transactions of 100" produce --topic "$topic" \
    --messages "$messages" --size "$size" --acks all --transaction-size 100 \
    --partitions "$partitions" --compression "$compression"
run message_rows 9 "consume" consume --topic "$topic" --messages $((4 * messages))
run group_rows 5 "group join/leave" group-join --topic "$group_topic" \
    --partitions "$group_partitions" --members "$members" --rounds "$rounds" \
    --heartbeat-ms "$heartbeat_ms"
for style in sync async; do
    run commit_rows 7 "offset-commit $style" offset-commit --topic "$group_topic" \
        --partitions "$group_partitions" --commit "$style" --duration "$commit_seconds"
done
stop_broker

echo
echo "$messages messages of $size bytes per produce run, $partitions partitions," \
    "compression $compression, $(nproc) cores"
echo
echo "| test | bytes/msg | messages | msg/s | MB/s | p50 ms | p99 ms | p99.9 ms | max ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${message_rows[@]}"
echo
echo "Consumer groups on a topic of $group_partitions partitions; heartbeat.interval.ms" \
    "$heartbeat_ms; the broker's group.initial.rebalance.delay.ms is $initial_delay_ms" \
    "(no figure includes it)"
echo
echo "| test | rounds | min ms | median ms | max ms |"
echo "| --- | ---: | ---: | ---: | ---: |"
printf '%s\n' "${group_rows[@]}"
echo
echo "| test | commits | commits/s | p50 ms | p99 ms | p99.9 ms | max ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${commit_rows[@]}"
if ((failed)); then
    echo "run.sh: a run failed; broker log:" >&2
    tail -n 20 "$work/broker.log" >&2
    exit 1
fi
