//! Every lookup, on each backend: SQLite in memory, and PostgreSQL when
//! `QUERY_TEST_POSTGRES` is set.

mod common;

use common::*;
use query::prelude::*;

/// name, price, qty, rating, enabled, description, released
type Row = (
    &'static str,
    i64,
    i32,
    f64,
    bool,
    Option<&'static str>,
    Option<(i32, u32, u32)>,
);

const ROWS: &[Row] = &[
    (
        "Sony A7",
        450,
        3,
        4.5,
        true,
        Some("full-frame camera"),
        Some((2021, 5, 1)),
    ),
    ("Canon R5", 900, 0, 4.8, true, None, Some((2020, 7, 9))),
    ("Nikon Z6", 300, 1, 3.9, false, Some("mirrorless"), None),
    (
        "Motörhead shirt",
        25,
        2,
        5.0,
        true,
        Some("Ace of Spades"),
        Some((1980, 11, 8)),
    ),
    ("MOTÖRHEAD poster", 10, 0, 2.5, false, Some(""), None),
    (
        "sony cable",
        5,
        100,
        1.0,
        true,
        Some("cheap"),
        Some((2021, 5, 1)),
    ),
];

fn seed(db: &Db) {
    for &(n, price, qty, rating, enabled, description, released) in ROWS {
        let mut p = new_product(n, price, qty);
        p.rating = rating;
        p.enabled = enabled;
        p.description = description.map(str::to_string);
        p.released = released.map(|(y, m, d)| date(y, m, d));
        p.save(db).expect("seed");
    }
}

/// Sorted names of the rows the predicate selects.
fn matching(db: &Db, q: Q<Product>) -> Vec<String> {
    sorted_names(&Product::objects().filter(q).all(db).expect("filter"))
}

/// Sorted names of the rows `exclude(q)` keeps.
fn excluding(db: &Db, q: Q<Product>) -> Vec<String> {
    sorted_names(&Product::objects().exclude(q).all(db).expect("exclude"))
}

const ALL: &[&str] = &[
    "Sony A7",
    "Canon R5",
    "Nikon Z6",
    "Motörhead shirt",
    "MOTÖRHEAD poster",
    "sony cable",
];

/// Every seeded name except those given.
fn all_but(except: &[&str]) -> Vec<String> {
    sorted(
        &ALL.iter()
            .copied()
            .filter(|n| !except.contains(n))
            .collect::<Vec<_>>(),
    )
}

// ---------------------------------------------------------------------------
// integers

#[test]
fn integer_eq_ne() -> Result<()> {
    each_db(|db| {
        seed(db);
        assert_eq!(matching(db, product::price.eq(450)), sorted(&["Sony A7"]));
        assert_eq!(matching(db, product::price.eq(451)), sorted(&[]));
        assert_eq!(matching(db, product::price.ne(450)), all_but(&["Sony A7"]));
        assert_eq!(
            matching(db, product::qty.eq(0)),
            sorted(&["Canon R5", "MOTÖRHEAD poster"])
        );
        assert_eq!(
            matching(db, product::qty.ne(0)),
            all_but(&["Canon R5", "MOTÖRHEAD poster"])
        );
        Ok(())
    })
}

#[test]
fn integer_comparisons() -> Result<()> {
    each_db(|db| {
        seed(db);
        assert_eq!(
            matching(db, product::price.gt(300)),
            sorted(&["Sony A7", "Canon R5"])
        );
        assert_eq!(
            matching(db, product::price.gte(300)),
            sorted(&["Sony A7", "Canon R5", "Nikon Z6"])
        );
        assert_eq!(
            matching(db, product::price.lt(25)),
            sorted(&["MOTÖRHEAD poster", "sony cable"])
        );
        assert_eq!(
            matching(db, product::price.lte(25)),
            sorted(&["MOTÖRHEAD poster", "sony cable", "Motörhead shirt"])
        );
        assert_eq!(
            matching(db, product::price.range(10, 300)),
            sorted(&["MOTÖRHEAD poster", "Motörhead shirt", "Nikon Z6"])
        );
        assert_eq!(matching(db, product::price.range(11, 24)), sorted(&[]));
        assert_eq!(matching(db, product::price.range(300, 10)), sorted(&[]));
        assert_eq!(matching(db, product::qty.gt(99)), sorted(&["sony cable"]));
        assert_eq!(matching(db, product::qty.lte(-1)), sorted(&[]));
        Ok(())
    })
}

#[test]
fn integer_extremes_in_lookups() -> Result<()> {
    each_db(|db| {
        seed(db);
        assert_eq!(matching(db, product::price.lt(i64::MIN)), sorted(&[]));
        assert_eq!(matching(db, product::price.gte(i64::MIN)), all_but(&[]));
        assert_eq!(matching(db, product::price.lte(i64::MAX)), all_but(&[]));
        assert_eq!(
            matching(db, product::price.range(i64::MIN, i64::MAX)),
            all_but(&[])
        );
        Ok(())
    })
}

#[test]
fn integer_is_in() -> Result<()> {
    each_db(|db| {
        seed(db);
        assert_eq!(
            matching(db, product::qty.is_in([0, 1])),
            sorted(&["Canon R5", "Nikon Z6", "MOTÖRHEAD poster"])
        );
        assert_eq!(
            matching(db, product::price.is_in(vec![450, 5, 7777])),
            sorted(&["Sony A7", "sony cable"])
        );
        // Any iterator will do.
        assert_eq!(
            matching(db, product::price.is_in((0..=10).map(|x| x * 5))),
            sorted(&["MOTÖRHEAD poster", "Motörhead shirt", "sony cable"])
        );
        assert_eq!(
            matching(db, !product::qty.is_in([0, 1])),
            all_but(&["Canon R5", "Nikon Z6", "MOTÖRHEAD poster"])
        );
        Ok(())
    })
}

#[test]
fn is_in_empty_matches_nothing_and_its_negation_everything() -> Result<()> {
    each_db(|db| {
        seed(db);
        let none: Vec<i64> = Vec::new();
        assert_eq!(
            matching(db, product::price.is_in(none.clone())),
            sorted(&[])
        );
        assert_eq!(
            matching(db, !product::price.is_in(none.clone())),
            all_but(&[])
        );
        assert_eq!(
            excluding(db, product::price.is_in(none.clone())),
            all_but(&[])
        );
        assert_eq!(
            Product::objects()
                .filter(product::price.is_in(none.clone()))
                .count(db)?,
            0
        );
        assert!(
            !Product::objects()
                .filter(product::price.is_in(none.clone()))
                .exists(db)?
        );
        // Text and nullable fields too; NULL rows are kept by the negation.
        let no_text: Vec<String> = Vec::new();
        assert_eq!(
            matching(db, product::name.is_in(no_text.clone())),
            sorted(&[])
        );
        assert_eq!(
            matching(db, product::description.is_in(no_text.clone())),
            sorted(&[])
        );
        assert_eq!(
            matching(db, !product::description.is_in(no_text.clone())),
            all_but(&[])
        );
        // Combined with other predicates, in both directions.
        assert_eq!(
            matching(
                db,
                product::price.is_in(none.clone()) | product::qty.eq(100)
            ),
            sorted(&["sony cable"])
        );
        assert_eq!(
            matching(
                db,
                product::price.is_in(none.clone()) & product::qty.eq(100)
            ),
            sorted(&[])
        );
        assert_eq!(
            matching(
                db,
                !product::price.is_in(none.clone()) & product::qty.eq(100)
            ),
            sorted(&["sony cable"])
        );
        // update and delete with an empty list touch nothing.
        assert_eq!(
            Product::objects()
                .filter(product::price.is_in(none.clone()))
                .update(db, product::qty.set(1))?,
            0
        );
        assert_eq!(
            Product::objects()
                .filter(product::price.is_in(none.clone()))
                .delete(db)?,
            0
        );
        assert_eq!(raw_count(db, "products"), 6);
        Ok(())
    })
}

#[test]
fn is_in_with_many_values() -> Result<()> {
    each_db(|db| {
        seed(db);
        // More values than SQLite's historical 999-variable limit.
        let many: Vec<i64> = (0..5_000).collect();
        assert_eq!(
            matching(db, product::price.is_in(many.clone())),
            all_but(&[])
        );
        assert_eq!(
            matching(
                db,
                product::price.is_in(many.into_iter().filter(|p| *p != 450))
            ),
            all_but(&["Sony A7"])
        );
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// floats

#[test]
fn float_lookups() -> Result<()> {
    each_db(|db| {
        seed(db);
        assert_eq!(
            matching(db, product::rating.eq(1.0)),
            sorted(&["sony cable"])
        );
        assert_eq!(
            matching(db, product::rating.ne(1.0)),
            all_but(&["sony cable"])
        );
        assert_eq!(
            matching(db, product::rating.gt(4.5)),
            sorted(&["Canon R5", "Motörhead shirt"])
        );
        assert_eq!(
            matching(db, product::rating.gte(4.5)),
            sorted(&["Canon R5", "Motörhead shirt", "Sony A7"])
        );
        assert_eq!(
            matching(db, product::rating.lt(2.5)),
            sorted(&["sony cable"])
        );
        assert_eq!(
            matching(db, product::rating.lte(2.5)),
            sorted(&["sony cable", "MOTÖRHEAD poster"])
        );
        assert_eq!(
            matching(db, product::rating.range(2.5, 3.9)),
            sorted(&["MOTÖRHEAD poster", "Nikon Z6"])
        );
        assert_eq!(
            matching(db, product::rating.is_in([4.8, 5.0])),
            sorted(&["Canon R5", "Motörhead shirt"])
        );
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// bools

#[test]
fn bool_lookups() -> Result<()> {
    each_db(|db| {
        seed(db);
        let on = sorted(&["Sony A7", "Canon R5", "Motörhead shirt", "sony cable"]);
        let off = sorted(&["Nikon Z6", "MOTÖRHEAD poster"]);
        assert_eq!(matching(db, product::enabled.eq(true)), on);
        assert_eq!(matching(db, product::enabled.eq(false)), off);
        assert_eq!(matching(db, product::enabled.ne(true)), off);
        assert_eq!(matching(db, !product::enabled.eq(true)), off);
        assert_eq!(matching(db, product::enabled.is_in([true])), on);
        assert_eq!(
            matching(db, product::enabled.is_in([true, false])),
            all_but(&[])
        );
        assert_eq!(excluding(db, product::enabled.eq(false)), on);
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// text: exact and ordering

#[test]
fn text_eq_is_case_sensitive_and_iexact_is_not() -> Result<()> {
    each_db(|db| {
        seed(db);
        assert_eq!(
            matching(db, product::name.eq("Sony A7")),
            sorted(&["Sony A7"])
        );
        assert_eq!(matching(db, product::name.eq("sony a7")), sorted(&[]));
        assert_eq!(
            matching(db, product::name.eq(String::from("Canon R5"))),
            sorted(&["Canon R5"])
        );
        assert_eq!(
            matching(db, product::name.iexact("sony a7")),
            sorted(&["Sony A7"])
        );
        assert_eq!(
            matching(db, product::name.iexact("SONY A7")),
            sorted(&["Sony A7"])
        );
        assert_eq!(matching(db, product::name.iexact("sony")), sorted(&[]));
        assert_eq!(
            matching(db, product::name.ne("Sony A7")),
            all_but(&["Sony A7"])
        );
        Ok(())
    })
}

#[test]
fn iexact_folds_non_ascii_case() -> Result<()> {
    each_db(|db| {
        seed(db);
        assert_eq!(
            matching(db, product::name.iexact("motörhead shirt")),
            sorted(&["Motörhead shirt"])
        );
        assert_eq!(
            matching(db, product::name.iexact("MOTÖRHEAD POSTER")),
            sorted(&["MOTÖRHEAD poster"])
        );
        assert_eq!(
            matching(db, product::name.iexact("motörhead poster")),
            sorted(&["MOTÖRHEAD poster"])
        );
        // The umlaut is not dropped.
        assert_eq!(
            matching(db, product::name.iexact("motorhead shirt")),
            sorted(&[])
        );
        Ok(())
    })
}

#[test]
fn text_comparisons_use_byte_order() -> Result<()> {
    each_db(|db| {
        seed(db);
        // Every upper-case ASCII letter sorts before every lower-case one.
        assert_eq!(
            matching(db, product::name.gte("a")),
            sorted(&["sony cable"])
        );
        assert_eq!(
            matching(db, product::name.lt("a")),
            all_but(&["sony cable"])
        );
        assert_eq!(
            matching(db, product::name.range("C", "O")),
            sorted(&[
                "Canon R5",
                "MOTÖRHEAD poster",
                "Motörhead shirt",
                "Nikon Z6"
            ])
        );
        assert_eq!(
            matching(db, product::name.gt("Sony A7")),
            sorted(&["sony cable"])
        );
        assert_eq!(
            matching(db, product::name.lte("Canon R5")),
            sorted(&["Canon R5"])
        );
        // "MOTÖ" (0xC3 0x96) > "MOTO" and "Motö" > "Moto", byte-wise.
        assert_eq!(
            matching(
                db,
                product::name.gt("MOTO") & product::name.lt("MOTÖRHEAD zzz")
            ),
            sorted(&["MOTÖRHEAD poster"])
        );
        Ok(())
    })
}

#[test]
fn text_is_in() -> Result<()> {
    each_db(|db| {
        seed(db);
        assert_eq!(
            matching(db, product::name.is_in(["Sony A7", "sony cable", "nope"])),
            sorted(&["Sony A7", "sony cable"])
        );
        assert_eq!(
            matching(db, product::name.is_in(vec![String::from("Nikon Z6")])),
            sorted(&["Nikon Z6"])
        );
        // is_in is exact: case matters.
        assert_eq!(matching(db, product::name.is_in(["SONY A7"])), sorted(&[]));
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// text: contains / startswith / endswith

#[test]
fn contains_is_case_sensitive() -> Result<()> {
    each_db(|db| {
        seed(db);
        assert_eq!(
            matching(db, product::name.contains("ony")),
            sorted(&["Sony A7", "sony cable"])
        );
        assert_eq!(
            matching(db, product::name.contains("Sony")),
            sorted(&["Sony A7"])
        );
        assert_eq!(
            matching(db, product::name.contains("sony")),
            sorted(&["sony cable"])
        );
        assert_eq!(matching(db, product::name.contains("SONY")), sorted(&[]));
        assert_eq!(matching(db, product::name.contains("")), all_but(&[]));
        Ok(())
    })
}

#[test]
fn contains_is_case_sensitive_for_non_ascii() -> Result<()> {
    each_db(|db| {
        seed(db);
        assert_eq!(
            matching(db, product::name.contains("Motörhead")),
            sorted(&["Motörhead shirt"])
        );
        assert_eq!(
            matching(db, product::name.contains("MOTÖRHEAD")),
            sorted(&["MOTÖRHEAD poster"])
        );
        assert_eq!(
            matching(db, product::name.contains("ö")),
            sorted(&["Motörhead shirt"])
        );
        assert_eq!(
            matching(db, product::name.contains("Ö")),
            sorted(&["MOTÖRHEAD poster"])
        );
        assert_eq!(
            matching(db, product::name.contains("motörhead")),
            sorted(&[])
        );
        assert_eq!(
            matching(db, product::name.contains("MOTöRHEAD")),
            sorted(&[])
        );
        Ok(())
    })
}

#[test]
fn icontains_folds_case_for_all_of_unicode() -> Result<()> {
    each_db(|db| {
        seed(db);
        let both = sorted(&["Motörhead shirt", "MOTÖRHEAD poster"]);
        assert_eq!(matching(db, product::name.icontains("MOTÖRHEAD")), both);
        assert_eq!(matching(db, product::name.icontains("motörhead")), both);
        assert_eq!(matching(db, product::name.icontains("Ö")), both);
        assert_eq!(matching(db, product::name.icontains("ö")), both);
        assert_eq!(matching(db, product::name.icontains("ÖRH")), both);
        // No accent stripping.
        assert_eq!(
            matching(db, product::name.icontains("motorhead")),
            sorted(&[])
        );
        // ASCII too.
        assert_eq!(
            matching(db, product::name.icontains("SONY")),
            sorted(&["Sony A7", "sony cable"])
        );
        assert_eq!(matching(db, product::name.icontains("")), all_but(&[]));
        Ok(())
    })
}

#[test]
fn startswith_and_endswith_are_case_sensitive() -> Result<()> {
    each_db(|db| {
        seed(db);
        assert_eq!(
            matching(db, product::name.startswith("Sony")),
            sorted(&["Sony A7"])
        );
        assert_eq!(
            matching(db, product::name.startswith("sony")),
            sorted(&["sony cable"])
        );
        assert_eq!(matching(db, product::name.startswith("SONY")), sorted(&[]));
        assert_eq!(matching(db, product::name.startswith("A7")), sorted(&[]));
        assert_eq!(
            matching(db, product::name.startswith("Mot")),
            sorted(&["Motörhead shirt"])
        );
        assert_eq!(
            matching(db, product::name.startswith("MOTÖ")),
            sorted(&["MOTÖRHEAD poster"])
        );
        assert_eq!(matching(db, product::name.startswith("MOTö")), sorted(&[]));
        assert_eq!(
            matching(db, product::name.endswith("A7")),
            sorted(&["Sony A7"])
        );
        assert_eq!(matching(db, product::name.endswith("a7")), sorted(&[]));
        assert_eq!(matching(db, product::name.endswith("Sony")), sorted(&[]));
        assert_eq!(
            matching(db, product::name.endswith("ÖRHEAD poster")),
            sorted(&["MOTÖRHEAD poster"])
        );
        assert_eq!(
            matching(db, product::name.endswith("örhead shirt")),
            sorted(&["Motörhead shirt"])
        );
        assert_eq!(
            matching(db, product::name.endswith("ÖRHEAD SHIRT")),
            sorted(&[])
        );
        Ok(())
    })
}

#[test]
fn istartswith_and_iendswith_fold_case_for_all_of_unicode() -> Result<()> {
    each_db(|db| {
        seed(db);
        assert_eq!(
            matching(db, product::name.istartswith("SONY")),
            sorted(&["Sony A7", "sony cable"])
        );
        assert_eq!(
            matching(db, product::name.istartswith("motö")),
            sorted(&["Motörhead shirt", "MOTÖRHEAD poster"])
        );
        assert_eq!(
            matching(db, product::name.istartswith("MOTÖ")),
            sorted(&["Motörhead shirt", "MOTÖRHEAD poster"])
        );
        assert_eq!(matching(db, product::name.istartswith("A7")), sorted(&[]));
        assert_eq!(
            matching(db, product::name.iendswith("a7")),
            sorted(&["Sony A7"])
        );
        assert_eq!(
            matching(db, product::name.iendswith("ÖRHEAD SHIRT")),
            sorted(&["Motörhead shirt"])
        );
        assert_eq!(
            matching(db, product::name.iendswith("örhead poster")),
            sorted(&["MOTÖRHEAD poster"])
        );
        assert_eq!(matching(db, product::name.iendswith("sony")), sorted(&[]));
        Ok(())
    })
}

fn seed_unicode(db: &Db) {
    seed_products(
        db,
        &[
            ("Αθήνα", 1, 0),
            ("ΑΘΉΝΑ ΚΈΝΤΡΟ", 2, 0),
            ("Москва", 3, 0),
            ("МОСКВА-СИТИ", 4, 0),
            ("Ärger", 5, 0),
            ("ärger", 6, 0),
            ("Ωmega", 7, 0),
        ],
    );
}

#[test]
fn greek_and_cyrillic_case_folding() -> Result<()> {
    each_db(|db| {
        seed_unicode(db);
        let athens = sorted(&["Αθήνα", "ΑΘΉΝΑ ΚΈΝΤΡΟ"]);
        let moscow = sorted(&["Москва", "МОСКВА-СИТИ"]);
        assert_eq!(matching(db, product::name.icontains("αθήνα")), athens);
        assert_eq!(matching(db, product::name.icontains("ΑΘΉΝΑ")), athens);
        assert_eq!(matching(db, product::name.icontains("θήν")), athens);
        assert_eq!(matching(db, product::name.icontains("москва")), moscow);
        assert_eq!(matching(db, product::name.icontains("МОСКВА")), moscow);
        assert_eq!(
            matching(db, product::name.iexact("москва")),
            sorted(&["Москва"])
        );
        assert_eq!(
            matching(db, product::name.iexact("αθήνα")),
            sorted(&["Αθήνα"])
        );
        assert_eq!(matching(db, product::name.istartswith("мос")), moscow);
        assert_eq!(
            matching(db, product::name.iendswith("сити")),
            sorted(&["МОСКВА-СИТИ"])
        );
        assert_eq!(
            matching(db, product::name.iendswith("ΚΈΝΤΡΟ")),
            sorted(&["ΑΘΉΝΑ ΚΈΝΤΡΟ"])
        );
        assert_eq!(
            matching(db, product::name.iendswith("κέντρο")),
            sorted(&["ΑΘΉΝΑ ΚΈΝΤΡΟ"])
        );
        assert_eq!(
            matching(db, product::name.istartswith("ωMEGA")),
            sorted(&["Ωmega"])
        );
        assert_eq!(
            matching(db, product::name.icontains("ÄRGER")),
            sorted(&["Ärger", "ärger"])
        );
        // Case-sensitive forms keep them apart.
        assert_eq!(matching(db, product::name.contains("москва")), sorted(&[]));
        assert_eq!(
            matching(db, product::name.contains("Москва")),
            sorted(&["Москва"])
        );
        assert_eq!(
            matching(db, product::name.startswith("Ärger")),
            sorted(&["Ärger"])
        );
        assert_eq!(
            matching(db, product::name.startswith("ä")),
            sorted(&["ärger"])
        );
        assert_eq!(
            matching(db, product::name.endswith("ΚΈΝΤΡΟ")),
            sorted(&["ΑΘΉΝΑ ΚΈΝΤΡΟ"])
        );
        assert_eq!(matching(db, product::name.endswith("κέντρο")), sorted(&[]));
        assert_eq!(matching(db, product::name.eq("АФИНЫ")), sorted(&[]));
        Ok(())
    })
}

/// Where full case folding and `UPPER` disagree, each backend gives its own
/// answer. SQLite's `i` lookups compare the Unicode case folding of both
/// sides, so "ß" matches "SS" and the Kelvin sign matches "k"; PostgreSQL's,
/// as Django writes them there, compare `UPPER(..)` of both sides, which
/// maps one character to one (`UPPER('ß')` is "ß", and the Kelvin sign is
/// already upper case). Where the two agree (dotless i, final sigma), both
/// match.
#[test]
fn case_insensitive_lookups_casefold_on_sqlite_and_upper_on_postgres() -> Result<()> {
    each_db(|db| {
        seed_products(
            db,
            &[
                ("Straße", 1, 0),
                ("\u{212A}elvin", 2, 0),
                ("ırmak", 3, 0),
                ("ΣΑΣ", 4, 0),
            ],
        );
        // The rows that `STRASSE` and `kelvin` (in any case) select.
        let (strasse, kelvin) = match db.backend() {
            Backend::Sqlite => (sorted(&["Straße"]), sorted(&["\u{212A}elvin"])),
            Backend::Postgres => (sorted(&[]), sorted(&[])),
            other => panic!("no expectation for {other:?}"),
        };
        assert_eq!(matching(db, product::name.iexact("STRASSE")), strasse);
        assert_eq!(matching(db, product::name.icontains("strasse")), strasse);
        assert_eq!(matching(db, product::name.istartswith("kel")), kelvin);
        assert_eq!(matching(db, product::name.iexact("kelvin")), kelvin);
        // The same text in another case matches on both.
        assert_eq!(
            matching(db, product::name.iexact("STRAßE")),
            sorted(&["Straße"])
        );
        assert_eq!(
            matching(db, product::name.iexact("\u{212A}ELVIN")),
            sorted(&["\u{212A}elvin"])
        );
        assert_eq!(
            matching(db, product::name.iexact("IRMAK")),
            sorted(&["ırmak"])
        );
        assert_eq!(
            matching(db, product::name.iendswith("σας")),
            sorted(&["ΣΑΣ"])
        );
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// special characters in text arguments

fn seed_special(db: &Db) {
    seed_products(
        db,
        &[
            ("100% cotton", 1, 0),
            ("100 cotton", 2, 0),
            ("1000 cotton", 3, 0),
            ("a_b", 4, 0),
            ("axb", 5, 0),
            ("C:\\dir", 6, 0),
            ("C:dir", 7, 0),
            ("a*b", 8, 0),
            ("axxb", 9, 0),
            ("a?b", 10, 0),
            ("a[x]b", 11, 0),
            ("axb!", 12, 0),
            ("it's", 13, 0),
            ("say \"hi\"", 14, 0),
        ],
    );
}

#[test]
fn percent_matches_itself() -> Result<()> {
    each_db(|db| {
        seed_special(db);
        assert_eq!(
            matching(db, product::name.contains("%")),
            sorted(&["100% cotton"])
        );
        assert_eq!(
            matching(db, product::name.contains("0% c")),
            sorted(&["100% cotton"])
        );
        assert_eq!(
            matching(db, product::name.icontains("0% C")),
            sorted(&["100% cotton"])
        );
        assert_eq!(
            matching(db, product::name.startswith("100%")),
            sorted(&["100% cotton"])
        );
        assert_eq!(
            matching(db, product::name.istartswith("100%")),
            sorted(&["100% cotton"])
        );
        assert_eq!(
            matching(db, product::name.endswith("% cotton")),
            sorted(&["100% cotton"])
        );
        assert_eq!(
            matching(db, product::name.iendswith("% COTTON")),
            sorted(&["100% cotton"])
        );
        assert_eq!(
            matching(db, product::name.iexact("100% COTTON")),
            sorted(&["100% cotton"])
        );
        assert_eq!(matching(db, product::name.iexact("%")), sorted(&[]));
        assert_eq!(matching(db, product::name.eq("%")), sorted(&[]));
        Ok(())
    })
}

#[test]
fn underscore_matches_itself() -> Result<()> {
    each_db(|db| {
        seed_special(db);
        assert_eq!(matching(db, product::name.contains("_")), sorted(&["a_b"]));
        assert_eq!(
            matching(db, product::name.contains("a_b")),
            sorted(&["a_b"])
        );
        assert_eq!(
            matching(db, product::name.icontains("A_B")),
            sorted(&["a_b"])
        );
        assert_eq!(
            matching(db, product::name.startswith("a_")),
            sorted(&["a_b"])
        );
        assert_eq!(
            matching(db, product::name.istartswith("A_")),
            sorted(&["a_b"])
        );
        assert_eq!(matching(db, product::name.endswith("_b")), sorted(&["a_b"]));
        assert_eq!(
            matching(db, product::name.iendswith("_B")),
            sorted(&["a_b"])
        );
        assert_eq!(matching(db, product::name.iexact("A_B")), sorted(&["a_b"]));
        assert_eq!(matching(db, product::name.iexact("___")), sorted(&[]));
        Ok(())
    })
}

#[test]
fn backslash_matches_itself() -> Result<()> {
    each_db(|db| {
        seed_special(db);
        assert_eq!(
            matching(db, product::name.contains("\\")),
            sorted(&["C:\\dir"])
        );
        assert_eq!(
            matching(db, product::name.contains(":\\d")),
            sorted(&["C:\\dir"])
        );
        assert_eq!(
            matching(db, product::name.icontains("C:\\DIR")),
            sorted(&["C:\\dir"])
        );
        assert_eq!(
            matching(db, product::name.startswith("C:\\")),
            sorted(&["C:\\dir"])
        );
        assert_eq!(
            matching(db, product::name.istartswith("c:\\")),
            sorted(&["C:\\dir"])
        );
        assert_eq!(
            matching(db, product::name.endswith("\\dir")),
            sorted(&["C:\\dir"])
        );
        assert_eq!(
            matching(db, product::name.iendswith("\\DIR")),
            sorted(&["C:\\dir"])
        );
        assert_eq!(
            matching(db, product::name.iexact("c:\\dir")),
            sorted(&["C:\\dir"])
        );
        // A trailing backslash, and a backslash before a wildcard character.
        assert_eq!(matching(db, product::name.endswith("\\")), sorted(&[]));
        assert_eq!(matching(db, product::name.contains("\\%")), sorted(&[]));
        assert_eq!(matching(db, product::name.contains("\\_")), sorted(&[]));
        Ok(())
    })
}

#[test]
fn glob_characters_match_themselves() -> Result<()> {
    each_db(|db| {
        seed_special(db);
        assert_eq!(
            matching(db, product::name.contains("a*b")),
            sorted(&["a*b"])
        );
        assert_eq!(matching(db, product::name.contains("*")), sorted(&["a*b"]));
        assert_eq!(
            matching(db, product::name.icontains("A*B")),
            sorted(&["a*b"])
        );
        assert_eq!(
            matching(db, product::name.contains("a?b")),
            sorted(&["a?b"])
        );
        assert_eq!(
            matching(db, product::name.istartswith("A?")),
            sorted(&["a?b"])
        );
        assert_eq!(
            matching(db, product::name.contains("[x]")),
            sorted(&["a[x]b"])
        );
        assert_eq!(
            matching(db, product::name.startswith("a[")),
            sorted(&["a[x]b"])
        );
        assert_eq!(
            matching(db, product::name.endswith("]b")),
            sorted(&["a[x]b"])
        );
        assert_eq!(
            matching(db, product::name.iendswith("X]B")),
            sorted(&["a[x]b"])
        );
        assert_eq!(
            matching(db, product::name.contains("a[x")),
            sorted(&["a[x]b"])
        );
        assert_eq!(
            matching(db, product::name.iexact("A[X]B")),
            sorted(&["a[x]b"])
        );
        assert_eq!(matching(db, product::name.iexact("a?b")), sorted(&["a?b"]));
        assert_eq!(matching(db, product::name.iexact("a*b")), sorted(&["a*b"]));
        Ok(())
    })
}

#[test]
fn quotes_match_themselves() -> Result<()> {
    each_db(|db| {
        seed_special(db);
        assert_eq!(matching(db, product::name.contains("'")), sorted(&["it's"]));
        assert_eq!(
            matching(db, product::name.icontains("IT'S")),
            sorted(&["it's"])
        );
        assert_eq!(
            matching(db, product::name.contains("\"hi\"")),
            sorted(&["say \"hi\""])
        );
        assert_eq!(
            matching(db, product::name.eq("say \"hi\"")),
            sorted(&["say \"hi\""])
        );
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// dates

#[test]
fn date_lookups() -> Result<()> {
    each_db(|db| {
        seed(db);
        let may = date(2021, 5, 1);
        assert_eq!(
            matching(db, product::released.eq(may)),
            sorted(&["Sony A7", "sony cable"])
        );
        assert_eq!(
            matching(db, product::released.gt(date(2020, 12, 31))),
            sorted(&["Sony A7", "sony cable"])
        );
        assert_eq!(
            matching(db, product::released.gte(may)),
            sorted(&["Sony A7", "sony cable"])
        );
        assert_eq!(matching(db, product::released.gt(may)), sorted(&[]));
        assert_eq!(
            matching(db, product::released.lt(date(2021, 1, 1))),
            sorted(&["Canon R5", "Motörhead shirt"])
        );
        assert_eq!(
            matching(db, product::released.lte(date(2020, 7, 9))),
            sorted(&["Canon R5", "Motörhead shirt"])
        );
        assert_eq!(
            matching(
                db,
                product::released.range(date(1980, 11, 8), date(2020, 7, 9))
            ),
            sorted(&["Canon R5", "Motörhead shirt"])
        );
        assert_eq!(
            matching(
                db,
                product::released.range(date(1980, 11, 9), date(2020, 7, 8))
            ),
            sorted(&[])
        );
        assert_eq!(
            matching(db, product::released.is_in([may, date(1980, 11, 8)])),
            sorted(&["Sony A7", "sony cable", "Motörhead shirt"])
        );
        Ok(())
    })
}

#[test]
fn datetime_and_small_number_lookups() -> Result<()> {
    each_db(|db| {
        for (i, (when, utc_when, small)) in [
            (
                datetime(2024, 1, 31, 9, 59, 59),
                utc(1999, 12, 31, 23, 59, 59),
                -3i16,
            ),
            (datetime(2024, 1, 31, 10, 0, 0), utc(2000, 1, 1, 0, 0, 0), 0),
            (
                datetime(2024, 2, 1, 0, 0, 0),
                utc(2024, 6, 1, 12, 30, 0),
                250,
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let mut row = new_all_types();
            row.v_datetime = when;
            row.v_utc = utc_when;
            row.v_i16 = small;
            row.v_u32 = (i as u32) * 2_000_000_000;
            row.v_f32 = i as f32 * 0.5;
            row.o_text = if i == 0 { None } else { Some(format!("t{i}")) };
            AllTypes::objects().create(db, row)?;
        }
        let count = |q: Q<AllTypes>| AllTypes::objects().filter(q).count(db);
        assert_eq!(
            count(all_types::v_datetime.gte(datetime(2024, 1, 31, 10, 0, 0)))?,
            2
        );
        assert_eq!(
            count(all_types::v_datetime.lt(datetime(2024, 1, 31, 10, 0, 0)))?,
            1
        );
        assert_eq!(
            count(all_types::v_datetime.eq(datetime(2024, 2, 1, 0, 0, 0)))?,
            1
        );
        assert_eq!(
            count(all_types::v_datetime.range(
                datetime(2024, 1, 31, 9, 59, 59),
                datetime(2024, 1, 31, 10, 0, 0)
            ))?,
            2
        );
        assert_eq!(
            count(all_types::v_utc.gt(utc(1999, 12, 31, 23, 59, 59)))?,
            2
        );
        assert_eq!(count(all_types::v_utc.lte(utc(2000, 1, 1, 0, 0, 0)))?, 2);
        assert_eq!(count(all_types::v_utc.eq(utc(2024, 6, 1, 12, 30, 0)))?, 1);
        assert_eq!(count(all_types::v_i16.lt(0))?, 1);
        assert_eq!(count(all_types::v_i16.is_in([0, 250]))?, 2);
        assert_eq!(count(all_types::v_u32.gt(3_000_000_000))?, 1);
        assert_eq!(count(all_types::v_u32.gte(2_000_000_000))?, 2);
        assert_eq!(count(all_types::v_f32.range(0.5, 1.0))?, 2);
        assert_eq!(count(all_types::v_f32.eq(0.5))?, 1);
        assert_eq!(count(all_types::o_text.isnull(true))?, 1);
        assert_eq!(count(all_types::o_text.ne("t1"))?, 2);
        assert_eq!(count(all_types::o_i64.isnull(true))?, 3);
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// NULL: isnull, ne, negation

#[test]
fn isnull_on_option_fields() -> Result<()> {
    each_db(|db| {
        seed(db);
        assert_eq!(
            matching(db, product::description.isnull(true)),
            sorted(&["Canon R5"])
        );
        assert_eq!(
            matching(db, product::description.isnull(false)),
            all_but(&["Canon R5"])
        );
        assert_eq!(
            matching(db, product::released.isnull(true)),
            sorted(&["Nikon Z6", "MOTÖRHEAD poster"])
        );
        assert_eq!(
            matching(db, product::released.isnull(false)),
            all_but(&["Nikon Z6", "MOTÖRHEAD poster"])
        );
        // The empty string is not NULL.
        assert_eq!(
            matching(db, product::description.eq("")),
            sorted(&["MOTÖRHEAD poster"])
        );
        assert_eq!(
            matching(db, !product::description.isnull(true)),
            all_but(&["Canon R5"])
        );
        Ok(())
    })
}

#[test]
fn ne_matches_null_rows() -> Result<()> {
    each_db(|db| {
        seed(db);
        assert_eq!(
            matching(db, product::description.ne("cheap")),
            all_but(&["sony cable"])
        );
        assert_eq!(
            matching(db, product::released.ne(date(2021, 5, 1))),
            all_but(&["Sony A7", "sony cable"])
        );
        assert_eq!(
            matching(db, product::description.ne("cheap")),
            matching(db, !product::description.eq("cheap"))
        );
        Ok(())
    })
}

#[test]
fn negated_lookups_keep_null_rows() -> Result<()> {
    each_db(|db| {
        seed(db);
        // description: "full-frame camera", NULL, "mirrorless", "Ace of Spades", "", "cheap"
        let with_a = ["Sony A7", "Motörhead shirt", "sony cable"];
        assert_eq!(
            matching(db, product::description.contains("a")),
            sorted(&with_a)
        );
        assert_eq!(
            matching(db, !product::description.contains("a")),
            all_but(&with_a)
        );
        assert_eq!(
            excluding(db, product::description.contains("a")),
            all_but(&with_a)
        );
        assert_eq!(
            matching(db, product::description.contains("A")),
            sorted(&["Motörhead shirt"])
        );
        assert_eq!(
            matching(db, product::description.icontains("A")),
            sorted(&with_a)
        );
        assert_eq!(
            matching(db, !product::description.is_in(["cheap", "mirrorless"])),
            all_but(&["sony cable", "Nikon Z6"])
        );
        assert_eq!(
            matching(db, !product::released.gt(date(2021, 1, 1))),
            all_but(&["Sony A7", "sony cable"])
        );
        assert_eq!(
            excluding(db, product::released.lt(date(2021, 1, 1))),
            all_but(&["Canon R5", "Motörhead shirt"])
        );
        // Double negation is the identity: NULL rows do not sneak back in.
        assert_eq!(
            matching(db, !!product::description.contains("a")),
            sorted(&with_a)
        );
        assert_eq!(
            excluding(db, !product::description.contains("a")),
            sorted(&with_a)
        );
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// &, |, !

#[test]
fn and_or_not() -> Result<()> {
    each_db(|db| {
        seed(db);
        assert_eq!(
            matching(db, product::price.gt(100) & product::enabled.eq(true)),
            sorted(&["Sony A7", "Canon R5"])
        );
        assert_eq!(
            matching(db, product::price.lt(20) | product::qty.gt(2)),
            sorted(&["MOTÖRHEAD poster", "sony cable", "Sony A7"])
        );
        assert_eq!(
            matching(db, !product::price.gt(100)),
            sorted(&["Motörhead shirt", "MOTÖRHEAD poster", "sony cable"])
        );
        assert_eq!(
            matching(
                db,
                (product::name.icontains("sony") | product::name.icontains("canon"))
                    & !product::enabled.eq(false)
            ),
            sorted(&["Sony A7", "sony cable", "Canon R5"])
        );
        // Precedence is Rust's: & binds tighter than |.
        assert_eq!(
            matching(
                db,
                product::qty.eq(0) | product::price.gt(400) & product::enabled.eq(true)
            ),
            sorted(&["Canon R5", "MOTÖRHEAD poster", "Sony A7"])
        );
        assert_eq!(
            matching(
                db,
                (product::qty.eq(0) | product::price.gt(400)) & product::enabled.eq(false)
            ),
            sorted(&["MOTÖRHEAD poster"])
        );
        // De Morgan.
        assert_eq!(
            matching(db, !(product::qty.eq(0) | product::enabled.eq(false))),
            matching(db, !product::qty.eq(0) & !product::enabled.eq(false))
        );
        assert_eq!(
            matching(db, !(product::qty.eq(0) | product::enabled.eq(false))),
            sorted(&["Sony A7", "Motörhead shirt", "sony cable"])
        );
        Ok(())
    })
}

#[test]
fn combinations_with_nullable_columns() -> Result<()> {
    each_db(|db| {
        seed(db);
        // NOT (description = 'x' OR released < 2000): NULLs on either side are "not true".
        assert_eq!(
            matching(
                db,
                !(product::description.eq("mirrorless") | product::released.lt(date(2000, 1, 1)))
            ),
            all_but(&["Nikon Z6", "Motörhead shirt"])
        );
        // NOT (description = 'cheap' AND released = 2021-05-01)
        assert_eq!(
            excluding(
                db,
                product::description.eq("cheap") & product::released.eq(date(2021, 5, 1))
            ),
            all_but(&["sony cable"])
        );
        // filter and exclude compose.
        let rows = Product::objects()
            .filter(product::enabled.eq(true))
            .exclude(product::description.icontains("camera"))
            .all(db)
            .unwrap();
        assert_eq!(
            sorted_names(&rows),
            sorted(&["Canon R5", "Motörhead shirt", "sony cable"])
        );
        Ok(())
    })
}

#[test]
fn predicates_built_at_run_time() -> Result<()> {
    each_db(|db| {
        seed(db);
        let search = |min_price: Option<i64>, text: Option<&str>, only_enabled: bool| {
            let mut q = Q::new();
            if let Some(min) = min_price {
                q = q & product::price.gte(min);
            }
            if let Some(t) = text {
                q = q & product::name.icontains(t);
            }
            if only_enabled {
                q = q & product::enabled.eq(true);
            }
            matching(db, q)
        };
        assert_eq!(search(None, None, false), all_but(&[]));
        assert_eq!(
            search(Some(300), None, false),
            sorted(&["Sony A7", "Canon R5", "Nikon Z6"])
        );
        assert_eq!(
            search(Some(300), None, true),
            sorted(&["Sony A7", "Canon R5"])
        );
        assert_eq!(
            search(None, Some("SONY"), false),
            sorted(&["Sony A7", "sony cable"])
        );
        assert_eq!(search(Some(100), Some("SONY"), true), sorted(&["Sony A7"]));

        // An OR built from a list.
        let wanted = ["Nikon Z6", "Canon R5"];
        let q = wanted
            .iter()
            .map(|n| product::name.eq(*n))
            .reduce(|a, b| a | b)
            .expect("non-empty");
        assert_eq!(matching(db, q), sorted(&wanted));

        // Q::default() is the same empty predicate; it matches every row.
        assert_eq!(matching(db, Q::default()), all_but(&[]));
        assert_eq!(
            matching(db, Q::default() & product::qty.eq(100)),
            sorted(&["sony cable"])
        );
        // A Q is a plain value: clone it, keep it, reuse it.
        let cheap = product::price.lt(30);
        let kept = cheap.clone();
        assert_eq!(
            matching(db, cheap & product::enabled.eq(true)),
            sorted(&["Motörhead shirt", "sony cable"])
        );
        assert_eq!(
            matching(db, kept),
            sorted(&["Motörhead shirt", "MOTÖRHEAD poster", "sony cable"])
        );
        Ok(())
    })
}

/// A small brute-force cross-check: each predicate's rows from SQLite equal
/// the rows the same condition selects in plain Rust (with Django's
/// two-valued treatment of NULL under negation).
#[test]
fn predicates_agree_with_plain_rust() -> Result<()> {
    each_db(|db| {
        seed(db);
        let all = Product::objects().all(db).unwrap();
        type Check = (Q<Product>, fn(&Product) -> bool);
        let checks: Vec<Check> = vec![
            (product::price.gte(25) & product::qty.lt(3), |p| {
                p.price >= 25 && p.qty < 3
            }),
            (
                product::rating.gt(3.0) | product::description.isnull(true),
                |p| p.rating > 3.0 || p.description.is_none(),
            ),
            (
                !(product::description.contains("e") & product::enabled.eq(true)),
                |p| !(p.description.as_deref().is_some_and(|d| d.contains('e')) && p.enabled),
            ),
            (
                !product::description.iexact("CHEAP") | product::qty.eq(100),
                |p| {
                    p.description
                        .as_deref()
                        .is_none_or(|d| d.to_lowercase() != "cheap")
                        || p.qty == 100
                },
            ),
            (
                product::name.istartswith("s") & !product::released.isnull(true),
                |p| p.name.to_lowercase().starts_with('s') && p.released.is_some(),
            ),
            (
                !(product::released.range(date(2000, 1, 1), date(2030, 1, 1))
                    | product::price.eq(10)),
                |p| {
                    !(p.released
                        .is_some_and(|r| r >= date(2000, 1, 1) && r <= date(2030, 1, 1))
                        || p.price == 10)
                },
            ),
            (
                product::description.endswith("s") | product::description.startswith("c"),
                |p| {
                    p.description
                        .as_deref()
                        .is_some_and(|d| d.ends_with('s') || d.starts_with('c'))
                },
            ),
        ];
        for (i, (q, f)) in checks.into_iter().enumerate() {
            let mut want: Vec<String> = all
                .iter()
                .filter(|p| f(p))
                .map(|p| p.name.clone())
                .collect();
            want.sort();
            assert_eq!(matching(db, q.clone()), want, "predicate #{i}");
            let mut unwanted: Vec<String> = all
                .iter()
                .filter(|p| !f(p))
                .map(|p| p.name.clone())
                .collect();
            unwanted.sort();
            assert_eq!(excluding(db, q), unwanted, "exclude of predicate #{i}");
        }
        Ok(())
    })
}
