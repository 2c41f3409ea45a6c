#!/usr/bin/env bash
# The reference job end to end: set up and build, start the bundled mock API
# (orders_server) on 127.0.0.1:8000, run fetchctl on config/orders.toml in
# the current folder (writing orders.csv there), stop the server.
# Exits with fetchctl's exit code.
#
#   tools/run_reference_job.sh [extra fetchctl args, e.g. --fresh]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${FETCHCTL_BUILD_DIR:-$root/build}
"$root/tools/setup.sh" "$build_dir"

port=8000
server_log=$(mktemp /tmp/orders_server.XXXXXX.log)
"$build_dir/bin/orders_server" --host 127.0.0.1 --port "$port" >"$server_log" 2>&1 &
server_pid=$!
stop_server() { kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; rm -f "$server_log"; }
trap stop_server EXIT

for _ in $(seq 1 100); do
    grep -q "^listening on" "$server_log" && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "orders_server did not start:" >&2
        cat "$server_log" >&2
        exit 3
    fi
    sleep 0.05
done
grep -q "^listening on" "$server_log" || { echo "orders_server did not start in 5 s" >&2; exit 3; }

status=0
"$build_dir/bin/fetchctl" run --config "$root/config/orders.toml" "$@" || status=$?
exit "$status"
