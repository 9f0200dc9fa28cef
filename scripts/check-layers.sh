#!/usr/bin/env bash
# Checks that every layer includes only the layers it may depend on (../shared/DESIGN.md,
# "Layers"): dependencies point downward only. Prints each violation; exits 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
    [base]="base"
    [model]="base model"
    [protocol]="base model protocol"
    [storage]="base model protocol storage"
    [net]="base net"
    [cluster]="base model cluster"
    [coordinator]="base model protocol coordinator"
    [broker]="base model protocol storage net cluster coordinator broker"
    [http]="base model protocol storage net cluster coordinator broker http"
    [cli]="base cli"
    [app]="base model protocol storage net cluster coordinator broker http cli app"
)

status=0
for layer in "${!allowed[@]}"; do
    [ -d "src/$layer" ] || continue
    while IFS=: read -r file _ include; do
        target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$include")
        if ! grep -qw "$target" <<<"${allowed[$layer]}"; then
            echo "layering: $file includes $target/ but $layer may use only: ${allowed[$layer]}"
            status=1
        fi
    done < <(grep -rnE '^#include "[a-z_]+/' "src/$layer" || true)
done
[ "$status" -eq 0 ] && echo "layering: ok"
exit "$status"
