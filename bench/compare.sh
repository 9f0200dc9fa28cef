#!/usr/bin/env bash
# Side-by-side benchmark: Fjord vs NATS JetStream vs Redis Streams on loopback, plus the
# machine's limits (loopback TCP, sequential write with fsync, fdatasync latency, the latency
# floor of showing only fsynced records: fjord-durable-floor). Runs are
# interleaved (Fjord, NATS, Redis, Fjord, ...) for ROUNDS rounds; every figure is reported as
# min / median / max. Writes bench/results/<date>.md and .png. See bench/README.md.
#
# Environment (all optional):
#   MESSAGES=1000000         messages per produce and consume run
#   LATENCY_MESSAGES=100000  messages of the latency run, sent at RATE per second
#   RATE=10000               the latency run's fixed send rate
#   LATENCY_SIZE=1024        value size of the latency run
#   IDLE_PARTITIONS=1000     partitions (streams) created for the memory figure
#   ROUNDS=3                 rounds of every system
#   SYSTEMS="fjord nats redis"
#   FIO_SIZE=1g              bytes the sequential-write limit writes
#   BUILD_DIR=<repo>/build/release   where fjord and the bench tools are (built)
#   SKIP_BUILD=1             use the binaries as they are
#   FJORD_BIN=<path>         a broker binary other than $BUILD_DIR/fjord
#   SKIP_INSTALL=1           do not apt-get install missing packages
#   RESULTS_DIR=<repo>/bench/results
#   WORK_DIR=<dir>           where the servers keep their data (default a new dir in /tmp)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo/build/release}
messages=${MESSAGES:-1000000}
latency_messages=${LATENCY_MESSAGES:-100000}
rate=${RATE:-10000}
latency_size=${LATENCY_SIZE:-1024}
idle_partitions=${IDLE_PARTITIONS:-1000}
rounds=${ROUNDS:-3}
systems=(${SYSTEMS:-fjord nats redis})
fio_size=${FIO_SIZE:-1g}
results_dir=${RESULTS_DIR:-$repo/bench/results}

log() { echo "compare.sh: $*" >&2; }

# 1. Packages: the peers, their client libraries and the tools for the limits and the chart.
if [[ ${SKIP_INSTALL:-0} != 1 ]]; then
    packages=(nats-server libnats-dev redis-server libhiredis-dev iperf3 fio gnuplot-nox python3)
    missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    if ! command -v cmake >/dev/null || ! pkg-config --exists rdkafka 2>/dev/null; then
        "$repo/scripts/install-deps.sh"
    fi
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${missing[@]}" >&2
    fi
fi

# 2. Build. Configuring again picks up libnats and hiredis if they were installed since.
fjord=${FJORD_BIN:-$build_dir/fjord}
loadgen=$build_dir/bench/fjord-loadgen
peergen=$build_dir/bench/fjord-peergen
floorgen=$build_dir/bench/fjord-durable-floor
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    if [[ -f $build_dir/CMakeCache.txt ]]; then
        cmake "$build_dir" >&2
    else
        cmake -S "$repo" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
    fi
    targets=(fjord-loadgen fjord-peergen fjord-durable-floor)
    [[ -z ${FJORD_BIN:-} ]] && targets+=(fjord)
    cmake --build "$build_dir" -j2 --target "${targets[@]}" >&2
fi
for bin in "$fjord" "$loadgen" "$peergen" "$floorgen"; do
    [[ -x $bin ]] || { log "$bin is missing (build it, or unset SKIP_BUILD)"; exit 1; }
done

work=${WORK_DIR:-$(mktemp -d -t fjord-compare.XXXXXX)}
mkdir -p "$work"
results=$work/results.tsv
: >"$results"

# Servers: one at a time, each in a directory of its own, stopped on any exit.
server_pid=
server_dir=
stop_server() {
    [[ -n $server_pid ]] || return 0
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 200); do
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$server_pid" 2>/dev/null; then
        log "server $server_pid did not stop on SIGTERM; killing it"
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=
    if [[ -n $server_dir ]]; then rm -rf "$server_dir"; fi
    server_dir=
}
iperf_pid=
cleanup() {
    stop_server
    if [[ -n $iperf_pid ]]; then kill -TERM "$iperf_pid" 2>/dev/null || true; fi
    [[ -n ${WORK_DIR:-} ]] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() {  # PORT: until something accepts connections on it (15 s at most)
    for _ in $(seq 150); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        kill -0 "$server_pid" 2>/dev/null || { log "the server exited at start-up"; return 1; }
        sleep 0.1
    done
    log "nothing listens on $1 after 15 s"
    return 1
}

# start_server SYSTEM: sets server_pid, server_dir and address (HOST:PORT).
start_server() {
    server_dir=$(mktemp -d "$work/$1.XXXXXX")
    local port
    case $1 in
        fjord)
            "$fjord" serve --listen 127.0.0.1:0 --http 127.0.0.1:0 --data-dir "$server_dir/data" \
                --port-file "$server_dir/port" --log-level warn 2>"$server_dir/log" &
            server_pid=$!
            for _ in $(seq 150); do
                [[ -s $server_dir/port ]] && break
                sleep 0.1
            done
            [[ -s $server_dir/port ]] || { log "fjord wrote no port file"; return 1; }
            port=$(<"$server_dir/port")
            ;;
        nats)
            port=$(free_port)
            nats-server -js -sd "$server_dir/jetstream" -a 127.0.0.1 -p "$port" \
                >"$server_dir/log" 2>&1 &
            server_pid=$!
            ;;
        redis)
            port=$(free_port)
            redis-server --port "$port" --bind 127.0.0.1 --dir "$server_dir" --save '' \
                --appendonly yes --appendfsync everysec --daemonize no >"$server_dir/log" 2>&1 &
            server_pid=$!
            ;;
    esac
    address=127.0.0.1:$port
    wait_port "$port"
}

rss_mb() {  # the server's resident set, in MB (ps reports KiB)
    ps -o rss= -p "$server_pid" | awk '{printf "%.1f", $1 / 1024}'
}

# record ROUND SYSTEM WORKLOAD METRIC VALUE
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$results"; }

# run_tool ROUND SYSTEM WORKLOAD KIND COMMAND...: runs a load generator (markdown output) and
# records its figures. KIND: throughput (msg/s, MB/s) or latency (also percentiles).
failed=0
run_tool() {
    local round=$1 system=$2 workload=$3 kind=$4
    shift 4
    local out
    log "round $round: $system $workload"
    if ! out=$("$@" --format markdown); then
        log "round $round: $system $workload failed"
        record "$round" "$system" "$workload" failed 1
        failed=1
        return 0
    fi
    echo "$out" >&2
    local -a cells
    IFS='|' read -r -a cells <<<"$out"
    # cells: "" label bytes messages msg/s MB/s p50 p99 p99.9 max
    if [[ $kind == throughput ]]; then
        record "$round" "$system" "$workload" msg/s "$(echo ${cells[4]})"
        record "$round" "$system" "$workload" MB/s "$(echo ${cells[5]})"
    else
        record "$round" "$system" "$workload" "p50 ms" "$(echo ${cells[6]})"
        record "$round" "$system" "$workload" "p99 ms" "$(echo ${cells[7]})"
        record "$round" "$system" "$workload" "p99.9 ms" "$(echo ${cells[8]})"
        record "$round" "$system" "$workload" "max ms" "$(echo ${cells[9]})"
    fi
}

# 3. The machine's limits, once a round.
measure_limits() {
    local round=$1 dir
    dir=$(mktemp -d "$work/limits.XXXXXX")
    local port
    port=$(free_port)
    iperf3 -s -1 -B 127.0.0.1 -p "$port" >/dev/null 2>&1 &
    iperf_pid=$!
    sleep 0.5
    local bps
    bps=$(iperf3 -c 127.0.0.1 -p "$port" -t 3 -J |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"])')
    wait "$iperf_pid" 2>/dev/null || true
    iperf_pid=
    record "$round" limit "loopback TCP (iperf3, 1 stream)" MB/s \
        "$(python3 -c "print(round($bps / 8e6, 1))")"
    fio --name=seqwrite --directory="$dir" --rw=write --bs=1M --size="$fio_size" --fsync=1 \
        --ioengine=psync --output-format=json 2>/dev/null |
        python3 -c 'import json, sys; print(round(json.load(sys.stdin)["jobs"][0]["write"]["bw_bytes"] / 1e6, 1))' |
        { read -r v; record "$round" limit "sequential write, fsync every 1 MiB (fio)" MB/s "$v"; }
    rm -f "$dir"/*
    fio --name=fdatasync --directory="$dir" --rw=write --bs=4k --size=64m --fdatasync=1 \
        --ioengine=psync --runtime=5 --output-format=json 2>/dev/null |
        python3 -c '
import json, sys
p = json.load(sys.stdin)["jobs"][0]["sync"]["lat_ns"]["percentile"]
print(round(p["50.000000"] / 1e6, 3), round(p["99.000000"] / 1e6, 3))' |
        { read -r p50 p99
          record "$round" limit "fdatasync of 4 KiB (fio)" "p50 ms" "$p50"
          record "$round" limit "fdatasync of 4 KiB (fio)" "p99 ms" "$p99"; }
    # The floor under Fjord's latency (records are shown only once fsynced): the latency run's
    # rate and size, written and made durable by group commit, with no network or client.
    run_tool "$round" limit "durable floor at the latency rate (group commit, no network)" \
        latency "$floorgen" --dir "$dir" --rate "$rate" --messages "$latency_messages" \
        --size "$latency_size"
    rm -rf "$dir"
}

# 4. One system's workloads in one round.
memory_run() {  # ROUND SYSTEM: RSS idle, then with IDLE_PARTITIONS idle partitions
    local round=$1 system=$2
    start_server "$system"
    sleep 2
    record "$round" "$system" "memory" "RSS idle MB" "$(rss_mb)"
    case $system in
        fjord) "$fjord" topic create idle --partitions "$idle_partitions" --brokers "$address" \
            --timeout 120 >/dev/null ;;
        *) "$peergen" "$system" idle --server "$address" --stream idle \
            --partitions "$idle_partitions" ;;
    esac
    sleep 2
    record "$round" "$system" "memory" "RSS with $idle_partitions idle partitions MB" "$(rss_mb)"
    stop_server
}

workload_run() {  # ROUND SYSTEM
    local round=$1 system=$2 size
    start_server "$system"
    for size in 1024 100; do
        local label="$size B"
        ((size == 1024)) && label="1 KiB"
        if [[ $system == fjord ]]; then
            run_tool "$round" fjord "produce $label" throughput "$loadgen" produce \
                --brokers "$address" --topic "p$size-acks1" --messages "$messages" --size "$size" \
                --acks 1
            run_tool "$round" fjord-acks-all "produce $label" throughput "$loadgen" produce \
                --brokers "$address" --topic "p$size-acksall" --messages "$messages" \
                --size "$size" --acks all
            run_tool "$round" fjord "consume $label" throughput "$loadgen" consume \
                --brokers "$address" --topic "p$size-acks1" --messages "$messages"
        else
            run_tool "$round" "$system" "produce $label" throughput "$peergen" "$system" produce \
                --server "$address" --stream "p$size" --messages "$messages" --size "$size"
            run_tool "$round" "$system" "consume $label" throughput "$peergen" "$system" consume \
                --server "$address" --stream "p$size" --messages "$messages"
        fi
    done
    local lat="latency $rate/s"
    local multi="produce 1 KiB, 12 partitions, 4 producers"
    if [[ $system == fjord ]]; then
        run_tool "$round" fjord "$lat" latency "$loadgen" latency --brokers "$address" \
            --topic lat --messages "$latency_messages" --size "$latency_size" --rate "$rate" \
            --acks 1 --linger-ms 0
        run_tool "$round" fjord-acks-all "$lat" latency "$loadgen" latency \
            --brokers "$address" --topic lat-acksall --messages "$latency_messages" \
            --size "$latency_size" --rate "$rate" --acks all --linger-ms 0
        run_tool "$round" fjord "$multi" throughput "$loadgen" produce --brokers "$address" \
            --topic multi --partitions 12 --producers 4 --messages "$messages" --size 1024 --acks 1
    else
        run_tool "$round" "$system" "$lat" latency "$peergen" "$system" latency \
            --server "$address" --stream lat --messages "$latency_messages" \
            --size "$latency_size" --rate "$rate"
        run_tool "$round" "$system" "$multi" throughput "$peergen" "$system" produce \
            --server "$address" --stream multi --partitions 12 --producers 4 \
            --messages "$messages" --size 1024
    fi
    stop_server
}

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for ((round = 1; round <= rounds; round++)); do
    measure_limits "$round"
    for system in "${systems[@]}"; do
        memory_run "$round" "$system"
        workload_run "$round" "$system"
    done
done

# 5. The report.
mkdir -p "$results_dir"
stamp=$(date -u +%Y-%m-%d-%H%M)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
machine="$(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr)"
versions="fjord $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"
[[ -n ${FJORD_BIN:-} ]] && versions+=" (repo; binary FJORD_BIN=$FJORD_BIN)"
versions+=","
versions+=" nats-server $(nats-server --version | awk '{print $NF}'),"
versions+=" redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')"
python3 "$repo/bench/peers/summarize.py" --results "$results" --out "$results_dir/$stamp" \
    --title "Fjord vs NATS JetStream vs Redis Streams, $started" --machine "$machine" \
    --versions "$versions" --params "MESSAGES=$messages LATENCY_MESSAGES=$latency_messages RATE=$rate LATENCY_SIZE=$latency_size IDLE_PARTITIONS=$idle_partitions ROUNDS=$rounds"
if command -v gnuplot >/dev/null; then
    (cd "$results_dir" && gnuplot "$stamp.gp") || log "gnuplot failed"
fi
cp "$results" "$results_dir/$stamp.tsv"
cat "$results_dir/$stamp.md"
log "wrote $results_dir/$stamp.md, .png and .tsv"
if ((failed)); then
    log "a run failed (see the rows marked failed)"
    exit 1
fi
