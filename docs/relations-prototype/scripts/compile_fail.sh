#!/bin/sh
# Builds each doctest snippet of app/src/lib.rs marked compile_fail as an
# example and stores rustc's message in compile-fail/<n>.txt.
set -u
cd "$(dirname "$0")/.."
mkdir -p compile-fail app/examples
python3 - <<'PY'
import re
src = open("app/src/lib.rs").read()
blocks = re.findall(r"//! ```compile_fail[^\n]*\n((?://! (?!```).*\n)+)//! ```", src)
for i, b in enumerate(blocks, 1):
    code = "\n".join(l[4:] for l in b.splitlines())
    open(f"compile-fail/case{i}.rs", "w").write("#![allow(unused)]\nfn main() {\n" + code + "\n}\n")
print(len(blocks))
PY
for f in compile-fail/case*.rs; do
  n=$(basename "$f" .rs)
  cp "$f" app/examples/_fail.rs
  cargo build -q -p app --example _fail 2> "compile-fail/$n.txt" >/dev/null && echo "$n COMPILED (unexpected)"
  sed -i 's|/tmp/paths-proto/||g' "compile-fail/$n.txt"
done
rm -f app/examples/_fail.rs
