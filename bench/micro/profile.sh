#!/usr/bin/env bash
# Profiles the broker's produce and fetch paths end to end (docs/profile.md explains the method
# and the figures). Starts its own `fjord serve` on a free port in a temporary directory, creates
# the topic, then runs fjord-loadgen produce and consume against it as two phases, each measured
# on its own, and prints the broker's Produce/Fetch request counts from /metrics after each.
#
#   bench/micro/profile.sh none|perf|callgrind|strace [OUT_DIR]
#
#   none       no tool: the throughput baseline
#   perf       perf record -p (cpu-clock sampling, DWARF call graphs), one perf.PHASE.data each
#   callgrind  the broker runs under valgrind --tool=callgrind; counters are zeroed before and
#              dumped after each phase (callgrind.out.PID.N, N = 1 produce, 2 consume)
#   strace     strace -f -c -p (syscall counts and time of every thread), one strace.PHASE each
#
# Environment: BUILD_DIR (default build/release), LOADGEN (default $BUILD_DIR/bench/fjord-loadgen),
# MESSAGES (200000), SIZE (1024), PARTITIONS (3), ACKS (all), PRODUCERS (1: producer clients,
# each with its own connection), BROKER_ENV (extra environment for
# the broker only, e.g. "GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456").
set -euo pipefail
cd "$(dirname "$0")/../.."

tool=${1:?usage: profile.sh none|perf|callgrind|strace [OUT_DIR]}
out=$(realpath -m "${2:-$(mktemp -d /tmp/fjord-profile-XXXXXX)}")
build=${BUILD_DIR:-build/release}
loadgen=${LOADGEN:-$build/bench/fjord-loadgen}
messages=${MESSAGES:-200000}
size=${SIZE:-1024}
partitions=${PARTITIONS:-3}
acks=${ACKS:-all}
producers=${PRODUCERS:-1}
case "$tool" in none | perf | callgrind | strace) ;; *)
    echo "profile.sh: unknown tool '$tool'" >&2
    exit 2
    ;;
esac
mkdir -p "$out"
work=$(mktemp -d /tmp/fjord-profile-run-XXXXXX)

wrapper=()
if [[ $tool == callgrind ]]; then
    wrapper=(valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out.%p")
fi
read -ra broker_env <<<"${BROKER_ENV:-}"  # VAR=VALUE words
env "${broker_env[@]}" "${wrapper[@]}" "$build/fjord" serve --listen 127.0.0.1:0 --data-dir "$work/data" \
    --port-file "$work/port" --http 127.0.0.1:0 --http-port-file "$work/http-port" \
    --log-level warn >"$out/broker.log" 2>&1 &
pid=$!
cleanup() {
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1200); do
    [[ -s "$work/port" && -s "$work/http-port" ]] && break
    sleep 0.1
done
port=$(cat "$work/port")
http=$(cat "$work/http-port")

# CPU seconds (user, system) the broker has used so far, from /proc/PID/stat.
cpu() {
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f %.2f", $14 / hz, $15 / hz }' "/proc/$pid/stat"
}
requests() {
    curl -s "http://127.0.0.1:$http/metrics" |
        grep -E '^kafka_network_requests_total\{.*request="(Produce|Fetch)"' || true
}

# The topic exists before any measurement: creating it is not the hot path.
"$loadgen" produce --brokers "127.0.0.1:$port" --topic profile --messages 1 --size "$size" \
    --acks "$acks" --partitions "$partitions" >/dev/null

phase() {  # name, loadgen args...
    local name=$1 tool_pid=""
    shift
    echo "== $name"
    requests >"$out/requests.$name.before"
    local cpu_before
    case "$tool" in
        perf)
            perf record -e cpu-clock -F 1999 --call-graph dwarf,16384 -p "$pid" \
                -o "$out/perf.$name.data" 2>"$out/perf.$name.log" &
            tool_pid=$!
            sleep 1
            ;;
        strace)
            strace -f -c -S calls -o "$out/strace.$name" -p "$pid" 2>/dev/null &
            tool_pid=$!
            sleep 1
            ;;
        callgrind) callgrind_control -z "$pid" >/dev/null 2>&1 ;;
    esac
    cpu_before=$(cpu)
    "$loadgen" "$@" --brokers "127.0.0.1:$port" --topic profile | tee "$out/loadgen.$name"
    echo "$cpu_before $(cpu)" | awk '{ printf "broker cpu: user %.2f s, system %.2f s\n", $3 - $1, $4 - $2 }' |
        tee "$out/cpu.$name"
    case "$tool" in
        perf | strace)
            kill -INT "$tool_pid"
            wait "$tool_pid" 2>/dev/null || true
            ;;
        callgrind) callgrind_control -d "$name" "$pid" >/dev/null 2>&1 ;;
    esac
    requests >"$out/requests.$name.after"
    cat "$out/requests.$name.after"
}

phase produce produce --messages "$messages" --size "$size" --acks "$acks" \
    --partitions "$partitions" --producers "$producers"
phase consume consume --messages "$messages"
echo "output in $out"
