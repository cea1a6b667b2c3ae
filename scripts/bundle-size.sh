#!/usr/bin/env bash
# Prints the size of the built web app in dist/: the WebAssembly module and the JS
# glue, raw and gzipped (gzip -9, as a server would send them), and the total.
# The budget is 250 KB gzipped in total; build first with scripts/build-frontend.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

shopt -s nullglob
wasm=(dist/*.wasm)
js=(dist/*.js)
if [[ ${#wasm[@]} -eq 0 ]]; then
    echo "bundle-size: no dist/*.wasm; run scripts/build-frontend.sh (or just build-frontend) first" >&2
    exit 1
fi

budget_kb=250
total_raw=0
total_gz=0
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }

printf '%-8s %-44s %12s %12s\n' kind file raw gzipped
for f in "${wasm[@]}" "${js[@]}"; do
    raw=$(stat -c %s "$f")
    gz=$(gzip -9 -c "$f" | wc -c)
    total_raw=$((total_raw + raw))
    total_gz=$((total_gz + gz))
    kind=${f##*.}
    printf '%-8s %-44s %12s %12s\n' "$kind" "$(basename "$f")" "$(kb "$raw")" "$(kb "$gz")"
done
printf '%-8s %-44s %12s %12s\n' total "wasm + js" "$(kb "$total_raw")" "$(kb "$total_gz")"
if (( total_gz > budget_kb * 1024 )); then
    echo "bundle-size: over the ${budget_kb} KB gzipped budget by $(kb $((total_gz - budget_kb * 1024)))"
else
    echo "bundle-size: within the ${budget_kb} KB gzipped budget"
fi
