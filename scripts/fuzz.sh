#!/usr/bin/env bash
# Fuzzes every cargo-fuzz target (fuzz/fuzz_targets/) for a bounded time each and prints
# libFuzzer's figures. Exits non-zero if any target crashes (panic, sanitizer report, OOM,
# slow input); the input is saved under fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [seconds-per-target]     default 15
#   FUZZ_TARGETS="verify policy" scripts/fuzz.sh 60      only some targets
#   FUZZ_SANITIZER=none scripts/fuzz.sh                  faster, no AddressSanitizer
#
# Each run starts from a temporary copy of fuzz/corpus/<target>/ (the committed seed-* files),
# so what libFuzzer adds does not land in the repository. Needs the nightly toolchain;
# installs cargo-fuzz when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-15}"
case "$seconds" in '' | *[!0-9]*) echo "usage: $0 [seconds-per-target]" >&2; exit 2 ;; esac
targets="${FUZZ_TARGETS:-verify jwks policy apigw crypto_diff}"
sanitizer="${FUZZ_SANITIZER:-address}"
# Inputs longer than this are not generated: enough for tokens, JWKS, policies and events.
max_len="${FUZZ_MAX_LEN:-8192}"

if ! cargo +nightly --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

start=$SECONDS
echo "== building fuzz targets (nightly, sanitizer: $sanitizer)"
if ! cargo +nightly fuzz build -s "$sanitizer" >"$work/build.log" 2>&1; then
  cat "$work/build.log"
  echo "FAILED: build" >&2
  exit 1
fi
echo "   build: $((SECONDS - start)) s"
failed=()
summary=()
for target in $targets; do
  corpus="$work/corpus-$target"
  mkdir -p "$corpus"
  cp fuzz/corpus/"$target"/seed-* "$corpus"/
  log="$work/$target.log"
  echo "== fuzzing $target for ${seconds}s ($(ls "$corpus" | wc -l) seeds)"
  t0=$SECONDS
  status=0
  cargo +nightly fuzz run -s "$sanitizer" "$target" "$corpus" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len="$max_len" -timeout=10 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  elapsed=$((SECONDS - t0))
  # libFuzzer's last status line ("#N DONE cov: C ft: F corp: …") and final stats.
  last="$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  rss="$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)"
  cov="$(grep -oE 'cov: [0-9]+' <<<"$last" | tail -n 1 || true)"
  ft="$(grep -oE 'ft: [0-9]+' <<<"$last" | tail -n 1 || true)"
  corp="$(grep -oE 'corp: [0-9]+/[0-9a-zA-Z]+' <<<"$last" | tail -n 1 || true)"
  line="$(printf '%-11s %s  execs: %s (%s/s)  %s  %s  %s  rss: %s MB  time: %ss' \
    "$target" "$([ "$status" -eq 0 ] && echo ok || echo FAIL)" "${execs:-?}" "${rate:-?}" \
    "${cov:-cov: ?}" "${ft:-ft: ?}" "${corp:-corp: ?}" "${rss:-?}" "$elapsed")"
  echo "   $line"
  summary+=("$line")
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    echo "---- $target: libFuzzer output (tail) ----"
    tail -n 60 "$log"
    echo "---- input saved as: $(sed -n 's/.*Test unit written to //p' "$log" | tr '\n' ' ')"
    echo "     reproduce: cargo +nightly fuzz run $target <artifact>"
    echo "     minimize:  cargo +nightly fuzz tmin $target <artifact>"
  fi
done

echo "== summary (${seconds}s per target, total $((SECONDS - start)) s)"
printf '   %s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
