#!/usr/bin/env bash
# Builds Fjord. Usage: scripts/build.sh [release|asan]   (default: release)
#   release -> build/release  (the broker, the CLI, unit tests, benchmarks)
#   asan    -> build/asan     (AddressSanitizer + UndefinedBehaviorSanitizer, unit tests)
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:-release}
case "$kind" in
    release) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
    asan) flags=(-DCMAKE_BUILD_TYPE=Debug -DFJORD_SANITIZE=ON -DFJORD_BUILD_BENCH=OFF) ;;
    *) echo "build.sh: unknown build kind '$kind' (release|asan)" >&2; exit 2 ;;
esac
# The web console (console/, npm tooling) is built first: the broker embeds console/dist.
if [[ -f console/package.json ]]; then
    if [[ ! -d console/node_modules || console/package-lock.json -nt console/node_modules ]]; then
        npm ci --prefix console --no-audit --no-fund --loglevel=error
        touch console/node_modules
    fi
    npm run --prefix console --silent build
fi
cmake -S . -B "build/$kind" -G Ninja "${flags[@]}" >/dev/null
cmake --build "build/$kind" -j "$(nproc)"
