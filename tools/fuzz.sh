#!/usr/bin/env bash
# Builds the libFuzzer targets in tests/fuzz with clang (ASan+UBSan) and
# runs each for SECONDS (default 60), starting from its seed corpus. New
# inputs go to a scratch corpus, so the committed seeds stay small.
#
#   tools/fuzz.sh [SECONDS] [TARGET...]
#
# A crash leaves its input in the build folder and exits non-zero.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-60}
shift $(( $# > 0 ? 1 : 0 ))
build_dir=${FETCHCTL_FUZZ_BUILD_DIR:-$root/build-fuzz}
targets=("$@")
(( ${#targets[@]} > 0 )) || targets=(retry_after job_spec json_to_csv http_response)

CC=clang CXX=clang++ cmake -S "$root/tests/fuzz" -B "$build_dir" -G Ninja >/dev/null
cmake --build "$build_dir" -j "$(nproc)" >/dev/null

for target in "${targets[@]}"; do
    scratch=$(mktemp -d)
    echo "fuzz_$target: ${seconds} s"
    status=0
    (cd "$build_dir" && "./fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 \
        "$scratch" "$root/tests/fuzz/corpus/$target" >"$scratch.log" 2>&1) || status=$?
    grep -E "^(stat::number_of_executed_units|==[0-9]+==|SUMMARY|Done)" "$scratch.log" || true
    if (( status != 0 )); then
        tail -n 40 "$scratch.log" >&2
        echo "fuzz_$target failed (exit $status); the crashing input is in $build_dir" >&2
        rm -rf "$scratch" "$scratch.log"
        exit 1
    fi
    rm -rf "$scratch" "$scratch.log"
done
