#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for SECONDS each (default 30), one after the
# other, on one core, starting from the checked-in seed corpus fuzz/corpus/<target>/.
# New inputs go to a scratch folder, so the checked-in corpus stays small. Fails on
# any crash, panic, leak, timeout (an input that takes more than 10 s) or out-of-memory;
# the input is then in fuzz/artifacts/<target>/. Prints executions, coverage (edges)
# and features per target.
#
#   tools/fuzz.sh            # 30 s per target
#   tools/fuzz.sh 300        # 5 min per target
#   FUZZ_TARGETS="engine" tools/fuzz.sh 60
#
# cargo-fuzz needs nightly-only compiler flags (-Z sanitizer); RUSTC_BOOTSTRAP=1 lets
# the stable toolchain accept them. cargo-fuzz itself is installed from crates.io if
# missing.
set -euo pipefail

seconds="${1:-30}"
case "$seconds" in
'' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/../fuzz"
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
	echo "installing cargo-fuzz from crates.io"
	cargo install cargo-fuzz --locked
fi

targets="${FUZZ_TARGETS:-$(cargo fuzz list)}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
if ! cargo fuzz build >"$scratch/build.log" 2>&1; then
	cat "$scratch/build.log" >&2
	exit 1
fi
failed=0
printf '%-12s %12s %8s %10s %8s  %s\n' target executions cov features corpus result
for target in $targets; do
	mkdir -p "$scratch/$target" "corpus/$target"
	log="$scratch/$target.log"
	status=0
	cargo fuzz run "$target" "$scratch/$target" "corpus/$target" -- \
		-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
		-print_final_stats=1 >"$log" 2>&1 || status=$?
	executions="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
	last="$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)"
	cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
	features="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
	corpus="$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")"
	if [ "$status" -eq 0 ]; then
		result="ok, 0 crashes"
	else
		result="FAILED (exit $status)"
		failed=1
	fi
	printf '%-12s %12s %8s %10s %8s  %s\n' "$target" "${executions:-?}" "${cov:-?}" "${features:-?}" "${corpus:-?}" "$result"
	if [ "$status" -ne 0 ]; then
		grep -E 'panicked|ERROR|SUMMARY|Test unit written|artifact' "$log" | head -n 20 >&2 || true
		tail -n 30 "$log" >&2
	fi
done
exit "$failed"
