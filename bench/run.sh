#!/usr/bin/env bash
# End-to-end benchmark: starts a throwaway Fjord broker, produces with acks=1 and
# acks=all, consumes everything back, and prints a Markdown table. See bench/README.md.
#
# Environment (all optional):
#   MESSAGES=100000 SIZE=1024 PARTITIONS=3 COMPRESSION=none
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

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    if [[ ! -f $build_dir/CMakeCache.txt ]]; then
        cmake -S "$repo" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
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

"$fjord" serve --listen 127.0.0.1:0 --data-dir "$work/data" --port-file "$work/port" \
    --log-level warn 2>"$work/broker.log" &
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

common=(--brokers "$brokers" --topic "$topic" --format markdown)
rows=()
failed=0
run() {
    local label=$1
    shift
    local row
    if row=$("$loadgen" "$@" "${common[@]}"); then
        rows+=("$row")
    else
        rows+=("| $label | failed (exit $?) | | | | | | | |")
        failed=1
    fi
}
run "produce acks=1" produce --messages "$messages" --size "$size" --acks 1 \
    --partitions "$partitions" --compression "$compression"
run "produce acks=all" produce --messages "$messages" --size "$size" --acks all \
    --partitions "$partitions" --compression "$compression"
run "consume" consume --messages $((2 * messages))
stop_broker

echo
echo "$messages messages of $size bytes per produce run, $partitions partitions," \
    "compression $compression, $(nproc) cores"
echo
echo "| test | bytes/msg | messages | msg/s | MB/s | p50 ms | p99 ms | p99.9 ms | max ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
if ((failed)); then
    echo "run.sh: a run failed; broker log:" >&2
    tail -n 20 "$work/broker.log" >&2
    exit 1
fi
