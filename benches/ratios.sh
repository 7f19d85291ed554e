#!/bin/sh
# Prints the ratio table of the latest `cargo bench` run in Markdown:
#   - "criterion": criterion's medians, from <group>/<fn>/new/estimates.json;
#   - "paired": the interleaved measurement each bench runs after its groups
#     (median of per-round ratios), from <group>/paired_<a>_<b>.txt;
#   - the PostgreSQL groups (pg_*), when the PostgreSQL benches ran;
#   - the concurrency bench's transactions per second, from concurrency/tps.txt.
# Usage: benches/ratios.sh [criterion dir]   (default: target/criterion)
set -eu
dir=${1:-${CRITERION_HOME:-${CARGO_TARGET_DIR:-$(dirname "$0")/../target}/criterion}}

median() { # group function -> criterion's median in ns, or nothing
    f="$dir/$1/$2/new/estimates.json"
    [ -f "$f" ] || return 0
    sed -E 's/.*"median":\{"confidence_interval":\{[^}]*\},"point_estimate":([-0-9.eE+]+).*/\1/' "$f"
}

row() { # group numerator denominator target
    n=$(median "$1" "$2"); d=$(median "$1" "$3")
    p="$dir/$1/paired_$2_$3.txt"
    paired=$( [ -f "$p" ] && cat "$p" || echo "- - - -")
    awk -v g="$1" -v a="$2" -v b="$3" -v n="${n:--}" -v d="${d:--}" -v t="$4" -v p="$paired" '
        function h(x) {
            if (x == "-") return "-";
            if (x >= 1e6) return sprintf("%.3f ms", x / 1e6);
            if (x >= 1e3) return sprintf("%.2f µs", x / 1e3);
            return sprintf("%.1f ns", x) }
        function r(x, y) { return (x == "-" || y == "-") ? "-" : sprintf("%.3f×", x / y) }
        BEGIN {
            split(p, q, " ");
            pr = (q[1] == "-") ? "-" : sprintf("%.3f×", q[1]);
            printf "| %s | %s / %s | %s / %s | %s | %s / %s | **%s** | %s |\n",
                g, a, b, h(n), h(d), r(n, d), h(q[2]), h(q[3]), pr, t }'
}

echo "| workload | ours / baseline | criterion medians | criterion ratio | paired medians | paired ratio | target |"
echo "|---|---|---|---|---|---|---|"
row build        query         sea_query     '≤ 0.143× (7× faster)'
row top10        query         rusqlite      '≤ 1.03×'
row get_by_pk    query         rusqlite      '≤ 1.10×'
row filter_100   query         rusqlite      '≤ 1.03×'
row all_10k      query         rusqlite      '≤ 1.03×'
row count        query         rusqlite      '≤ 1.03×'
row insert_1000  query         rusqlite      '≤ 1.10× (create loop)'
row insert_1000  query_bulk    rusqlite      '≤ 0.80× (bulk vs per-row)'
row insert_1000  rusqlite_bulk rusqlite      'reference (issue: ~0.74×)'
row update       query         rusqlite      '≤ 1.03×'
row rel_join2    query         rusqlite      '≤ 1.05×'
row rel_build3   three_hops    one_table     'reported'
row agg_aggregate   query      rusqlite      '≤ 1.05×'
row agg_annotate    query      rusqlite      '≤ 1.05×'
row agg_values_list query      rusqlite      '≤ 1.05×'

p="$dir/all_10k/peak_heap.txt"
if [ -f "$p" ]; then
    awk '{ printf "| all_10k peak heap | query / rusqlite | | | %.1f KiB / %.1f KiB | **%.3f×** | ≤ 1.10× |\n", $1 / 1024, $2 / 1024, $1 / $2 }' "$p"
fi

if ls -d "$dir"/pg_* >/dev/null 2>&1; then
    echo
    echo "PostgreSQL (against hand-written postgres crate code, held statements):"
    echo
    echo "| workload | ours / baseline | criterion medians | criterion ratio | paired medians | paired ratio | target |"
    echo "|---|---|---|---|---|---|---|"
    row pg_top10        query            postgres        '≤ 1.05×'
    row pg_get_by_pk    query            postgres        '≤ 1.05×'
    row pg_filter_100   query            postgres        '≤ 1.05×'
    row pg_all_10k      query            postgres        '≤ 1.05×'
    row pg_count        query            postgres        '≤ 1.05×'
    row pg_insert_1000  query            postgres        '≤ 1.10× (create loop)'
    row pg_insert_1000  query_bulk       postgres_bulk   '≤ 1.02× (bulk vs one multi-row INSERT)'
    row pg_insert_1000  postgres_bulk    postgres        'reference'
    row pg_insert_1000  postgres_bulk_tx postgres_bulk   'reference (the INSERT in BEGIN/COMMIT)'
    row pg_update       query            postgres        '≤ 1.05×'
    row pg_rel_join2    query            postgres        '≤ 1.05×'
    row pg_agg_aggregate   query         postgres        '≤ 1.05×'
    row pg_agg_annotate    query         postgres        '≤ 1.05×'
    row pg_agg_values_list query         postgres        '≤ 1.05×'
fi

t="$dir/concurrency/tps.txt"
if [ -f "$t" ]; then
    echo
    echo "Concurrency (issue 8: read-then-write \`atomic\` transactions, one connection per writer):"
    echo
    echo "| backend | writers | transactions/s (median) | min | max |"
    echo "|---|---|---|---|---|"
    awk '{ printf "| %s | %s | **%s** | %s | %s |\n", $1, $2, $3, $4, $5 }' "$t"
fi
