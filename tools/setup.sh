#!/usr/bin/env bash
# Installs what fetchctl needs from Debian's packages (bookworm), then
# configures and builds it. Safe to run again: installs only what is
# missing, rebuilds only what changed.
#
#   tools/setup.sh [build-dir] [extra cmake args...]
#
# Builds into ./build by default (FETCHCTL_BUILD_DIR overrides it).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${1:-${FETCHCTL_BUILD_DIR:-$root/build}}
shift $(( $# > 0 ? 1 : 0 ))

packages=(
    build-essential cmake ninja-build pkg-config
    libboost-dev libcurl4-openssl-dev libpoco-dev libtomlplusplus-dev
    libspdlog-dev libfmt-dev libsimdjson-dev nlohmann-json3-dev libcli11-dev
    libsqlite3-dev catch2 python3 clang libclang-rt-14-dev
)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if (( ${#missing[@]} > 0 )); then
    echo "setup: installing ${missing[*]}"
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || { echo "setup: need root or sudo to install packages" >&2; exit 1; }
        sudo_cmd=(sudo)
    fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The build's own output goes to a log, so the job's output stays readable;
# it is shown when the build fails.
mkdir -p "$build_dir"
log="$build_dir/setup.log"
echo "setup: building in $build_dir (log: $log)" >&2
if ! { cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" &&
       cmake --build "$build_dir" -j "$(nproc)"; } >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "setup: the build failed; the whole log is $log" >&2
    exit 1
fi
