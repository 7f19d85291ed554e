#!/bin/sh
# Prints the ratio table (query / baseline, criterion medians) from the
# estimates.json files of the latest `cargo bench` run.
# Usage: benches/ratios.sh [criterion dir]   (default: target/criterion)
set -eu
dir=${1:-${CRITERION_HOME:-${CARGO_TARGET_DIR:-$(dirname "$0")/../target}/criterion}}

median() { # group function -> median in ns, or nothing
    f="$dir/$1/$2/new/estimates.json"
    [ -f "$f" ] || return 0
    sed -E 's/.*"median":\{"confidence_interval":\{[^}]*\},"point_estimate":([-0-9.eE+]+).*/\1/' "$f"
}

row() { # group numerator denominator target
    n=$(median "$1" "$2"); d=$(median "$1" "$3")
    if [ -z "$n" ] || [ -z "$d" ]; then
        printf '| %-11s | %-13s | %-22s | %12s | %12s | %7s | %-24s |\n' "$1" "$2" "$3" "-" "-" "-" "$4"
        return 0
    fi
    awk -v g="$1" -v a="$2" -v b="$3" -v n="$n" -v d="$d" -v t="$4" 'function h(x) {
            if (x >= 1e6) return sprintf("%.3f ms", x / 1e6);
            if (x >= 1e3) return sprintf("%.2f µs", x / 1e3);
            return sprintf("%.1f ns", x) }
        BEGIN { printf "| %-11s | %-13s | %-22s | %12s | %12s | %6.3fx | %-24s |\n", g, a, b, h(n), h(d), n / d, t }'
}

printf '| %-11s | %-13s | %-22s | %12s | %12s | %7s | %-24s |\n' workload ours baseline "ours (median)" "baseline" ratio target
echo '|-------------|---------------|------------------------|--------------|--------------|---------|--------------------------|'
row build        query         sea_query     '<= 0.143x (7x faster)'
row top10        query         rusqlite      '<= 1.03x'
row get_by_pk    query         rusqlite      '<= 1.10x'
row filter_100   query         rusqlite      '<= 1.03x'
row all_10k      query         rusqlite      '<= 1.03x'
row count        query         rusqlite      '<= 1.03x'
row insert_1000  query         rusqlite      '<= 1.10x (create loop)'
row insert_1000  query_bulk    rusqlite      '<= 0.80x (bulk)'
row insert_1000  rusqlite_bulk rusqlite      'reference, ~0.74x'
row update       query         rusqlite      '<= 1.03x'
