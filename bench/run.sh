#!/usr/bin/env bash
# Reports wall time and peak memory of `infra validate` and `infra plan --refresh=false` on generated
# stacks of 1,000 and 10,000 resources (release build). Target: 10,000 in under 1 s and 200 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product infra >/dev/null
bin="$(swift build -c release --show-bin-path)/infra"
out="$PWD/bench/out"
rm -rf "$out" && mkdir -p "$out"
measure() {  # prints "seconds peak_MB" for one command, best of 3 runs
  local best_s="" best_kb=""
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" >/dev/null
    read -r s kb < "$out/time.txt"
    if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; best_kb=$kb; fi
  done
  awk -v s="$best_s" -v kb="$best_kb" 'BEGIN{printf "%.2f s  %.0f MB", s, kb/1024}'
}
printf "%-10s  %-22s  %-22s\n" "resources" "validate" "plan --refresh=false"
for n in 1000 10000; do
  dir="$out/stack-$n"
  python3 bench/generate_stack.py "$n" "$dir"
  v=$(cd "$dir" && measure "$bin" validate bench --env dev)
  p=$(cd "$dir" && measure "$bin" plan bench --env dev --refresh=false)
  printf "%-10s  %-22s  %-22s\n" "$n" "$v" "$p"
done
