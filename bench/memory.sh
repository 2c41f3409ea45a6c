#!/usr/bin/env bash
# Peak RSS of fetchctl for 10k and 1M items in raw mode, per transport,
# against a private nginx (or orders_server without delays). See
# docs/benchmarks.md.
#
#   bench/memory.sh [--sizes 10000,1000000] [--server nginx|orders_server]
#                   [--transports curl_threads,poco_async] [--json FILE]
#
# FETCHCTL_BUILD_DIR picks the build (default ./build).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_need python3 nginx-light time
bench_need_build
exec "$bench_python" "$bench_root/bench/memory.py" "$@"
