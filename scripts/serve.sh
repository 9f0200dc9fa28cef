#!/usr/bin/env bash
# Installs dependencies, builds, and starts one broker on its embedded defaults
# (Kafka on 127.0.0.1:9092, data in ./data). Extra arguments go to `fjord serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
exec build/release/fjord serve "$@"
