#!/bin/sh
# Build time of crate `gen` (qcore already built), best of 2, per config.
cd "$(dirname "$0")/.."
cargo build -q -p qcore 2>/dev/null
for cfg in "30 0 flat" "30 0 paths" "30 200 flat" "30 200 paths" "100 0 flat" "100 0 paths" "100 500 paths"; do
  python3 scripts/gen.py $cfg
  best=999
  for k in 1 2; do
    cargo clean -q -p gen 2>/dev/null
    s=$(date +%s.%N); cargo build -q -p gen 2>/dev/null; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc); best=$(echo "if ($t < $best) $t else $best" | bc)
  done
  echo "models/uses/mode = $cfg : build ${best}s, $(wc -l < gen/src/lib.rs) lines"
done
