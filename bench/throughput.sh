#!/usr/bin/env bash
# Raw throughput of fetchctl's transports against wrk, on a private nginx
# and on orders_server without delays. See docs/benchmarks.md.
#
#   bench/throughput.sh [--seconds S] [--repeat N] [--servers nginx,orders_server]
#                       [--conns 10,50] [--wrk-threads T] [--diagnose] [--json FILE]
#
# FETCHCTL_BUILD_DIR picks the build (default ./build).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_need python3 wrk nginx-light time
bench_need_build
exec "$bench_python" "$bench_root/bench/throughput.py" "$@"
