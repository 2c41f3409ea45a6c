#!/usr/bin/env bash
# Draws docs/benchmarks-*.png from the --json files the other scripts write.
#
#   bench/plot.sh [--reference FILE] [--throughput FILE] [--memory FILE] [--out-dir DIR]
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_need python3 python3-matplotlib
exec "$bench_python" "$bench_root/bench/plot.py" "$@"
