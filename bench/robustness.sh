#!/usr/bin/env bash
# Robustness bench (issue 12): runs the robustness tests at full size against the local endpoints and prints
# their summaries.
#   - 20 apply/destroy cycles at 10 % injected faults on both endpoints   (ReliabilityTests, INFRA_FAULT_CYCLES)
#   - 100 trials of kill -9 at a random moment of apply and of destroy     (KillTrialsTests, INFRA_KILL_TRIALS)
#   - 60 trials of 6 runs racing for a stale local lock                    (StateLockTests, INFRA_LOCK_RACE_TRIALS)
#   - time and peak memory of `infra validate` on each hostile input of the malformed corpus
# CI runs the same tests with 3, 3 and 6. Sizes can be overridden with the variables above.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests >/dev/null
export INFRA_FAULT_CYCLES="${INFRA_FAULT_CYCLES:-20}" INFRA_KILL_TRIALS="${INFRA_KILL_TRIALS:-100}" INFRA_LOCK_RACE_TRIALS="${INFRA_LOCK_RACE_TRIALS:-60}"
for test in ReliabilityTests/testApplyDestroyCyclesUnderFaultsNeverFail KillTrialsTests StateLockTests/testBreakingAStaleLockLeavesExactlyOneHolder StateLockRaceTests; do
  swift test --skip-build --filter "$test" 2>&1 | grep -E "^(fault cycles|kill trials|lock race|stale-lock race):|error:|Executed .* tests?," | sort -u
done
bin="$(swift build --show-bin-path)/infra"
echo "hostile inputs (infra validate, debug build):"
for dir in Tests/EngineTests/Fixtures/malformed/hostile-*; do
  # validate fails on these by design (exit 1): only its time and memory are of interest here
  (cd "$dir" && /usr/bin/time -f "  $(basename "$dir"): %e s, %M KB" "$bin" validate stacks/stack.yaml --env dev 2>&1 >/dev/null | tail -1) || true
done
