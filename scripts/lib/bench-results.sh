# Sourced by the benchmark scripts: one pop3bench run recorded as rows of a results file, and medians of them.
# Needs BIN (pop3bench's folder), SCALE, PASSWORD and RESULTS (the file, emptied here).
: >"$RESULTS"

# run_bench ROW SERVER PORT SCENARIO RUN ARGS… : one run; its output goes to stderr, each line prefixed, and every
# figure of its RESULT line is appended to RESULTS as "row server figure value" (errors=missing when it had none).
run_bench() {
    local row=$1 server=$2 port=$3 scenario=$4 run=$5
    shift 5
    local output
    output=$("$BIN/pop3bench" run --scenario "$scenario" --port "$port" --scale "$SCALE" --password "$PASSWORD" \
        --runs 1 --first-run "$run" "$@" 2>&1) || true
    echo "$output" | sed "s/^/  [$server $row run $run] /" >&2
    local result
    result=$(echo "$output" | grep '^RESULT' || echo "RESULT errors=missing")
    for pair in $result; do
        [[ $pair == *=* ]] || continue
        printf '%s\t%s\t%s\t%s\n' "$row" "$server" "${pair%%=*}" "${pair#*=}" >>"$RESULTS"
    done
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# figure ROW SERVER NAME: the median of that figure over the runs recorded.
figure() { awk -F'\t' -v r="$1" -v s="$2" -v f="$3" '$1 == r && $2 == s && $3 == f { print $4 }' "$RESULTS" | median; }
