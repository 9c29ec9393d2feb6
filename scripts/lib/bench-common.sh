# Sourced by the benchmark scripts: building the three products and stopping a process they started.

# build_products CONFIG: builds pop3d, pop3ctl and pop3bench with `swift build -c CONFIG`, one product at a time
# (SwiftPM builds only the last of several --product options); on failure prints the output's end and exits 2.
build_products() {
    local config=$1 product output
    for product in pop3d pop3ctl pop3bench; do
        if ! output=$(swift build -c "$config" --product "$product" 2>&1); then
            echo "$output" | tail -30 >&2
            exit 2
        fi
    done
}

# stop_pid PID: SIGTERM and wait, when PID is set and alive.
stop_pid() {
    local pid=$1
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        wait "$pid" 2>/dev/null || true
    fi
}
