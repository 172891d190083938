#!/usr/bin/env bash
# wearsdk bootstrap: from a fresh machine (Python 3.11, gcc/g++, cmake) to a working SDK.
#
#   ./bootstrap.sh          set up (venv, pinned deps, native build) and run the main job (doctor, then
#                           the demo; extra arguments go to wearsdk demo)
#   ./bootstrap.sh test     set up and run the whole test suite (ruff, ctest, sanitizer ctest, pytest)
#   ./bootstrap.sh build    set up only (also rebuilds the C++ libraries after a change)
#
# Every step is idempotent: the venv is reused while requirements.txt and pyproject.toml are
# unchanged, and CMake rebuilds only what changed. The native build is the package's own (setup.py ->
# build_native.py), so `pip install .` and `pip wheel` build the same libraries.
# Environment: WEARSDK_VENV (default .venv), PYTHON (the interpreter that creates the venv, default
# python3.11 or python3).
set -euo pipefail
cd "$(dirname "$0")"

VENV=${WEARSDK_VENV:-.venv}
BUILD=build
say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }

find_python() {
    if [[ -n "${PYTHON:-}" ]]; then echo "$PYTHON"; return; fi
    for p in python3.11 python3; do
        if command -v "$p" >/dev/null && "$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
            echo "$p"; return
        fi
    done
    echo "wearsdk needs Python 3.11 (torch==2.13.0 and executorch==1.5.1 wheels); none found on PATH." >&2
    exit 1
}

setup_venv() {
    if [[ ! -x "$VENV/bin/python" ]]; then
        say "creating virtual environment $VENV"
        "$(find_python)" -m venv "$VENV"
    fi
    local stamp="$VENV/.wearsdk-deps"
    local want
    want=$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
        say "installing pinned dependencies (requirements.txt)"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        "$VENV/bin/python" -m pip install --quiet -r requirements.txt
        say "installing wearsdk editable (setup.py runs the CMake build of build_native.py)"
        "$VENV/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e .
        echo "$want" > "$stamp"
    fi
}

build_native() {
    # the same build as pip's (setup.py -> build_native.py, profile dev): CMake reuses build/, so it takes
    # seconds when nothing changed
    say "building the C++ DSP core, torch op and ExecuTorch kernels ($BUILD/ -> wearsdk/_lib/)"
    "$VENV/bin/python" build_native.py --profile dev --build-dir "$BUILD"
}

install_test_tools() {
    # The Cortex-M4F tests need Debian's cross toolchain (C and C++) and QEMU, the fuzz test clang's libFuzzer;
    # without them those tests are skipped (loudly).
    local need=()
    command -v arm-none-eabi-gcc >/dev/null || need+=(gcc-arm-none-eabi libnewlib-arm-none-eabi)
    # the DSP core is C++: the cross compiler alone has no C++ standard headers (<cmath>)
    echo '#include <cmath>' | arm-none-eabi-g++ -E -x c++ - >/dev/null 2>&1 || need+=(libstdc++-arm-none-eabi-newlib)
    command -v qemu-system-arm >/dev/null || need+=(qemu-system-arm)
    command -v clang++ >/dev/null || need+=(clang libclang-rt-14-dev)
    [[ ${#need[@]} -eq 0 ]] && return 0
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        say "installing test tools: ${need[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${need[@]}" >/dev/null
    else
        say "WARNING: ${need[*]} missing and cannot be installed here (needs root + apt);" \
            "the tests that need them will be skipped"
    fi
}

run_tests() {
    local venv_bin="$PWD/$VENV/bin"
    say "ruff"
    "$venv_bin/ruff" check .
    say "ctest (host build)"
    PATH="$venv_bin:$PATH" ctest --test-dir "$BUILD" --output-on-failure
    say "ctest under AddressSanitizer + UndefinedBehaviorSanitizer ($BUILD-asan/)"
    PATH="$venv_bin:$PATH" cmake -S . -B "$BUILD-asan" -G Ninja -DWEARSDK_SANITIZE=ON \
        -DWEARSDK_LIB_OUTPUT_DIR="$PWD/$BUILD-asan/lib" >/dev/null
    PATH="$venv_bin:$PATH" cmake --build "$BUILD-asan"
    PATH="$venv_bin:$PATH" ctest --test-dir "$BUILD-asan" --output-on-failure
    # one pytest worker per CPU (pytest-xdist), whole modules per worker, modules with slow tests first
    # (tests/conftest.py)
    say "pytest"
    "$venv_bin/python" -m pytest -q -n auto --dist loadfile --no-loadscope-reorder "$@"
}

cmd=main  # options without a command go to the main job (wearsdk demo)
if [[ $# -gt 0 && $1 != -* ]]; then
    cmd=$1
    shift
fi
case "$cmd" in
    main) setup_venv; build_native; "$VENV/bin/wearsdk" doctor; exec "$VENV/bin/wearsdk" demo "$@" ;;
    test) setup_venv; build_native; install_test_tools; run_tests "$@" ;;
    build) setup_venv; build_native ;;
    *) echo "usage: ./bootstrap.sh [test|build]   (no argument: set up and run the main job)" >&2; exit 2 ;;
esac
