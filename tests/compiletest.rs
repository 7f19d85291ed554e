//! The compile-time guarantees: each file in `tests/ui/` makes one mistake,
//! and its `.stderr` is the error a user sees. Re-bless with
//! `TRYBUILD=overwrite cargo test --test compiletest` when rustc changes.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
