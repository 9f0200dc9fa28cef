#!/usr/bin/env bash
# The whole test suite: unit tests (release and ASan+UBSan builds), then the integration tests
# with real clients (kcat, confluent-kafka, kafkajs) against a real broker process.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/check-layers.sh
scripts/build.sh release
scripts/build.sh asan

echo "== unit tests (release)"
ctest --test-dir build/release --output-on-failure -j "$(nproc)"
echo "== unit tests (asan+ubsan)"
ctest --test-dir build/asan --output-on-failure -j "$(nproc)"
echo "== integration tests"
FJORD_BIN="$PWD/build/release/fjord" tests/run-integration.sh
