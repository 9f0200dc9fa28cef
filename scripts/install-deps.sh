#!/usr/bin/env bash
# Installs everything Fjord needs to build, run and test on Debian 12, as root. Idempotent.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config clang-format
    libasio-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libcpp-httplib-dev
    zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev
    librdkafka-dev libgtest-dev libgmock-dev libbenchmark-dev
    kcat python3 python3-confluent-kafka python3-pytest python3-prometheus-client iproute2
    chromium
)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}"
fi
