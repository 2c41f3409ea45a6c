#!/usr/bin/env bash
# The reference job: fetchctl (both transports) against the Python scripts
# it replaces, each run against its own fresh orders_server. See
# docs/benchmarks.md.
#
#   bench/reference_job.sh [--quick] [--repeat N] [--only TOOL,...] [--json FILE]
#
# FETCHCTL_BUILD_DIR picks the build (default ./build).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_need python3 python3-httpx time
bench_need_build
exec "$bench_python" "$bench_root/bench/reference_job.py" "$@"
