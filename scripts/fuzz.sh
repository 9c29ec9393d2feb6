#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/README.md) and runs each for FUZZ_RUNS inputs from a fresh copy of its seed
# corpus, after replaying the saved crash inputs in Fuzz/crashes/<target>/.
# Usage: scripts/fuzz.sh [pop3|monitor]...      (default: both)
# Environment: FUZZ_RUNS (inputs per target, default 100000), FUZZ_SEED (libFuzzer -seed, default random),
#              FUZZ_MAX_LEN (default 4096), FUZZ_TIMEOUT (seconds per input, default 10).
# Exits non-zero when any target crashes, breaks an invariant, times out or fails to build.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${FUZZ_RUNS:-100000}
max_len=${FUZZ_MAX_LEN:-4096}
timeout=${FUZZ_TIMEOUT:-10}
build_dir=.build-fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pop3 monitor)
for target in "${targets[@]}"; do
    case $target in
        pop3 | monitor) ;;
        *) echo "error: unknown target '$target' (pop3 or monitor)" >&2; exit 2 ;;
    esac
done

swiftc=$(command -v swiftc || true)
if [ -z "$swiftc" ]; then
    echo "error: swiftc is not on PATH; install the Swift toolchain first" >&2
    exit 2
fi
toolchain_bin=$(dirname "$(readlink -f "$swiftc")")
if ! ls "$toolchain_bin"/../lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 \
    && ! ls "$toolchain_bin"/../lib/swift/clang/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then
    echo "error: this Swift toolchain has no libFuzzer runtime (libclang_rt.fuzzer); use a swift.org toolchain" >&2
    exit 2
fi
# lld avoids gold's warnings about ASan's local symbols; the toolchain ships it.
linker=()
if [ -x "$toolchain_bin/ld.lld" ] || command -v ld.lld >/dev/null 2>&1; then linker=(-use-ld=lld); fi

# The Swift runtime's own crash backtracer fights ASan for the crashing thread and can hang; libFuzzer reports.
export SWIFT_BACKTRACE=enable=no

sources_for() {
    case $1 in
        pop3) printf '%s\n' Fuzz/Shared/*.swift Fuzz/POP3/*.swift ;;
        monitor) find Sources/MonitorProtocol -name '*.swift' | sort; printf '%s\n' Fuzz/Shared/*.swift Fuzz/Monitor/*.swift ;;
    esac
}

corpus_for() {
    case $1 in
        pop3) echo Fuzz/POP3/corpus ;;
        monitor) echo Fuzz/Monitor/corpus ;;
    esac
}

module_for() {
    case $1 in
        pop3) echo POP3Fuzz ;;
        monitor) echo MonitorFuzz ;;
    esac
}

mkdir -p "$build_dir"

failed=0
summary=()
for target in "${targets[@]}"; do
    binary="$build_dir/$target-fuzz"
    mapfile -t sources < <(sources_for "$target")
    echo "== $target: building $binary"
    # The POP3 target links the POP3Core module, built here as a library with the same instrumentation.
    module_flags=()
    if [ "$target" = pop3 ]; then
        mapfile -t core < <(find Sources/POP3Core -name '*.swift' | sort)
        if ! swiftc -swift-version 6 -sanitize=fuzzer,address -parse-as-library -O -enable-testing \
            -module-name POP3Core -emit-library -static -emit-module \
            -emit-module-path "$build_dir/POP3Core.swiftmodule" "${core[@]}" -o "$build_dir/libPOP3Core.a"; then
            echo "error: POP3Core did not build" >&2
            exit 2
        fi
        module_flags=(-I "$build_dir" -L "$build_dir" -lPOP3Core)
    fi
    if ! swiftc -swift-version 6 -sanitize=fuzzer,address -parse-as-library -O -module-name "$(module_for "$target")" \
        "${linker[@]}" "${module_flags[@]}" "${sources[@]}" -o "$binary"; then
        echo "error: $target did not build" >&2
        exit 2
    fi

    artifacts="$build_dir/crashes/$target"
    rm -rf "$artifacts"
    mkdir -p "$artifacts"
    log="$build_dir/$target.log"

    replayed=0
    saved=(Fuzz/crashes/"$target"/*)
    if [ -e "${saved[0]}" ]; then
        replayed=${#saved[@]}
        echo "== $target: replaying $replayed saved crash input(s) from Fuzz/crashes/$target/"
        if ! "$binary" -timeout="$timeout" "${saved[@]}" >"$build_dir/$target-replay.log" 2>&1; then
            echo "FAIL: a saved crash input still fails; see $build_dir/$target-replay.log" >&2
            grep -m1 -E 'invariant broken|Fatal error|ERROR:' "$build_dir/$target-replay.log" >&2 || true
            failed=1
        fi
    fi

    # A fresh copy of the seed corpus that libFuzzer may grow; the committed corpus stays as it is.
    work="$build_dir/work/$target"
    rm -rf "$work"
    mkdir -p "$work"
    cp "$(corpus_for "$target")"/* "$work"/
    seed=()
    [ -n "${FUZZ_SEED:-}" ] && seed=(-seed="$FUZZ_SEED")
    echo "== $target: fuzzing $runs inputs (log: $log)"
    start=$(date +%s)
    status=0
    "$binary" -runs="$runs" -max_len="$max_len" -timeout="$timeout" -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "${seed[@]}" "$work" >"$log" 2>&1 || status=$?
    seconds=$(($(date +%s) - start))

    executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    per_second=$((${executed:-0} / (seconds > 0 ? seconds : 1)))
    crashes=$(find "$artifacts" -type f | wc -l)
    line="$target: ${executed:-?} inputs in ${seconds}s (${per_second}/s), crashes: $crashes"
    [ "$replayed" -gt 0 ] && line="$line, saved crash inputs replayed: $replayed"
    if [ "$crashes" -ne 0 ]; then
        failed=1
        echo "FAIL: $target crashed (exit $status); input(s) in $artifacts/" >&2
        grep -m1 -E 'invariant broken|Fatal error|ERROR:' "$log" >&2 || true
    elif [ "$status" -ne 0 ]; then
        failed=1
        line="$line, but libFuzzer stopped with exit $status (see $log)"
        tail -1 "$log" >&2
    fi
    summary+=("$line")
done

echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$failed"
