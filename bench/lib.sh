# shellcheck shell=bash
# Sourced by the bench/*.sh wrappers: installs missing Debian packages and
# picks the Python that sees them. Not meant to be run on its own.

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# bench_need PACKAGE...: apt-get install whichever are not installed yet.
bench_need() {
    local missing=() package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$package")
    done
    (( ${#missing[@]} == 0 )) && return 0
    echo "bench: installing ${missing[*]}" >&2
    local sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || { echo "bench: need root or sudo to install ${missing[*]}" >&2; return 1; }
        sudo_cmd=(sudo)
    fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Debian's python3 (where python3-httpx and python3-matplotlib land), not a
# pyenv or venv one that happens to be first on PATH. BENCH_PYTHON overrides.
bench_python=${BENCH_PYTHON:-/usr/bin/python3}
[[ -x $bench_python ]] || bench_python=$(command -v python3)

# bench_need_build: the build to measure is $FETCHCTL_BUILD_DIR, else
# ./build of the repository; build it with tools/setup.sh if it is missing.
bench_need_build() {
    export FETCHCTL_BUILD_DIR=${FETCHCTL_BUILD_DIR:-$bench_root/build}
    if [[ ! -x $FETCHCTL_BUILD_DIR/bin/fetchctl || ! -x $FETCHCTL_BUILD_DIR/bin/orders_server ]]; then
        echo "bench: no build in $FETCHCTL_BUILD_DIR; building it with tools/setup.sh" >&2
        "$bench_root/tools/setup.sh" "$FETCHCTL_BUILD_DIR"
    fi
}
