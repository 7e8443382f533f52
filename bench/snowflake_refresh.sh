#!/usr/bin/env bash
# Requests and statements a no-op plan makes against the local Snowflake SQL API, for generated stacks of
# 100 and 1,000 Snowflake objects (applied first, destroyed after). Needs `infra local up` (scripts/demo
# starts it). Reports: objects, SQL API requests, statements, plan wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
if [ -z "${INFRA_BIN:-}" ]; then
  swift build -c release --product infra >/dev/null
  bin="$(swift build -c release --show-bin-path)/infra"
else
  bin="$INFRA_BIN"   # request counts do not depend on the build
fi
"$bin" local up >/dev/null
out="$root/bench/out"
mkdir -p "$out"
printf "%-8s  %-13s  %-11s  %-10s  %s\n" "objects" "SQL requests" "statements" "plan time" "apply time"
for n in ${@:-100 1000}; do
  dir="$out/sf-$n"
  rm -rf "$dir"
  python3 bench/generate_snowflake_stack.py "$n" "$dir" "$root"
  cd "$dir"
  start=$(date +%s.%N)
  "$bin" apply bench --env dev --auto-approve --parallelism 16 >"$out/apply-$n.log" 2>&1 || { tail -5 "$out/apply-$n.log"; exit 1; }
  applied=$(date +%s.%N)
  "$bin" plan bench --env dev --detailed-exitcode --trace >"$out/plan-$n.log" 2>"$out/trace-$n.log" || { cat "$out/trace-$n.log"; exit 1; }
  planned=$(date +%s.%N)
  read -r requests statements < <(sed -n 's/.*snowflake: \([0-9]*\) SQL API requests, \([0-9]*\) statements.*/\1 \2/p' "$out/trace-$n.log")
  printf "%-8s  %-13s  %-11s  %-10s  %s\n" "$n" "$requests" "$statements" \
    "$(awk -v a="$applied" -v b="$planned" 'BEGIN{printf "%.2f s", b-a}')" "$(awk -v a="$start" -v b="$applied" 'BEGIN{printf "%.1f s", b-a}')"
  "$bin" destroy bench --env dev --auto-approve --parallelism 16 >"$out/destroy-$n.log" 2>&1 || tail -5 "$out/destroy-$n.log"
  cd "$root"
done
