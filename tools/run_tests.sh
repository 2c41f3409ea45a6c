#!/usr/bin/env bash
# The whole test suite: set up and build, then run every CTest test. Tests
# start and stop the servers they need themselves, on 127.0.0.1 with
# ephemeral ports.
#
#   tools/run_tests.sh [extra ctest args, e.g. -R core]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${FETCHCTL_BUILD_DIR:-$root/build}
"$root/tools/setup.sh" "$build_dir"

cd "$build_dir"
ctest --output-on-failure --timeout 900 -j "$(nproc)" "$@"
