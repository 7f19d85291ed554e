//! Property test of the SQL compiler: random predicates over a small random
//! table select exactly the rows that the same predicate selects when it is
//! evaluated in plain Rust, with Django's semantics.
//!
//! The reference semantics, written out in [`Lookup::eval`] and [`eval`]:
//! - a lookup on a NULL value is false, except `ne` (which is `!eq`, so true
//!   on NULL) and `isnull`;
//! - `!p` is the plain boolean negation of the two-valued result;
//! - `filter(a).filter(b)` is `a & b`; `exclude(p)` keeps the rows where `p`
//!   is false;
//! - `Q::new()` vanishes in `&` and `|`, stays empty under `!`, and matches
//!   every row on its own;
//! - the `i` lookups compare `query_core::dialect::casefold` of both sides;
//! - text orders by its bytes.

use std::fmt::Debug;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use query::casefold;
use query::prelude::*;
use query::{FieldType, IntoValue, Ordered};

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Item {
    pub id: i64,
    pub n: i64,
    pub r: f64,
    pub b: bool,
    pub s: String,
    pub o: Option<String>,
    pub k: Option<i64>,
}

// ---------------------------------------------------------------------------
// The predicate language.

/// `gt`, `gte`, `lt`, `lte`.
#[derive(Debug, Clone, Copy)]
enum CmpOp {
    Gt,
    Gte,
    Lt,
    Lte,
}

/// The lookups that take values of the field's own type.
#[derive(Debug, Clone)]
enum Op<T> {
    Eq(T),
    Ne(T),
    In(Vec<T>),
    Cmp(CmpOp, T),
    Range(T, T),
}

/// The text lookups.
#[derive(Debug, Clone, Copy)]
enum TextKind {
    IExact,
    Contains,
    IContains,
    StartsWith,
    IStartsWith,
    EndsWith,
    IEndsWith,
}

/// One lookup on one field of `Item`.
#[derive(Debug, Clone)]
enum Lookup {
    N(Op<i64>),
    R(Op<f64>),
    B(Op<bool>),
    S(Op<String>),
    SText(TextKind, String),
    O(Op<String>),
    OText(TextKind, String),
    OIsNull(bool),
    K(Op<i64>),
    KIsNull(bool),
}

/// A predicate tree, as a user would build it with `Q::new()`, `&`, `|`, `!`.
#[derive(Debug, Clone)]
enum Pred {
    Empty,
    Lookup(Lookup),
    And(Box<Pred>, Box<Pred>),
    Or(Box<Pred>, Box<Pred>),
    Not(Box<Pred>),
}

/// One call on the query set.
#[derive(Debug, Clone)]
enum Step {
    Filter(Pred),
    Exclude(Pred),
}

// ---------------------------------------------------------------------------
// Building the `Q` through the public API.

/// `eq`, `ne` and `is_in`, which every field has.
fn eq_like<T>(f: Field<Item, T>, op: &Op<T::Scalar>) -> Q<Item>
where
    T: FieldType,
    T::Scalar: Clone + IntoValue<T::Scalar>,
{
    match op {
        Op::Eq(v) => f.eq(v.clone()),
        Op::Ne(v) => f.ne(v.clone()),
        Op::In(vs) => f.is_in(vs.clone()),
        Op::Cmp(..) | Op::Range(..) => unreachable!("the strategy makes no comparison here"),
    }
}

/// Every `Op`, on an ordered field.
fn ordered<T>(f: Field<Item, T>, op: &Op<T::Scalar>) -> Q<Item>
where
    T: FieldType + Ordered,
    T::Scalar: Clone + IntoValue<T::Scalar>,
{
    match op {
        Op::Cmp(CmpOp::Gt, v) => f.gt(v.clone()),
        Op::Cmp(CmpOp::Gte, v) => f.gte(v.clone()),
        Op::Cmp(CmpOp::Lt, v) => f.lt(v.clone()),
        Op::Cmp(CmpOp::Lte, v) => f.lte(v.clone()),
        Op::Range(lo, hi) => f.range(lo.clone(), hi.clone()),
        other => eq_like(f, other),
    }
}

fn text<T>(f: Field<Item, T>, kind: TextKind, needle: &str) -> Q<Item>
where
    T: FieldType + query::TextLookup,
    for<'a> &'a str: IntoValue<T::Scalar>,
{
    match kind {
        TextKind::IExact => f.iexact(needle),
        TextKind::Contains => f.contains(needle),
        TextKind::IContains => f.icontains(needle),
        TextKind::StartsWith => f.startswith(needle),
        TextKind::IStartsWith => f.istartswith(needle),
        TextKind::EndsWith => f.endswith(needle),
        TextKind::IEndsWith => f.iendswith(needle),
    }
}

impl Lookup {
    fn q(&self) -> Q<Item> {
        match self {
            Lookup::N(op) => ordered(item::n, op),
            Lookup::R(op) => ordered(item::r, op),
            Lookup::B(op) => eq_like(item::b, op),
            Lookup::S(op) => ordered(item::s, op),
            Lookup::SText(kind, needle) => text(item::s, *kind, needle),
            Lookup::O(op) => ordered(item::o, op),
            Lookup::OText(kind, needle) => text(item::o, *kind, needle),
            Lookup::OIsNull(is_null) => item::o.isnull(*is_null),
            Lookup::K(op) => ordered(item::k, op),
            Lookup::KIsNull(is_null) => item::k.isnull(*is_null),
        }
    }
}

fn q(p: &Pred) -> Q<Item> {
    match p {
        Pred::Empty => Q::new(),
        Pred::Lookup(l) => l.q(),
        Pred::And(a, b) => q(a) & q(b),
        Pred::Or(a, b) => q(a) | q(b),
        Pred::Not(a) => !q(a),
    }
}

fn queryset(steps: &[Step]) -> QuerySet<Item> {
    steps.iter().fold(Item::objects(), |qs, step| match step {
        Step::Filter(p) => qs.filter(q(p)),
        Step::Exclude(p) => qs.exclude(q(p)),
    })
}

// ---------------------------------------------------------------------------
// The reference: the same predicate, evaluated in Rust.

fn eval_op<T: PartialOrd>(value: Option<&T>, op: &Op<T>) -> bool {
    let Some(v) = value else {
        // A lookup on NULL is false; `ne` is `!eq`, so it is true.
        return matches!(op, Op::Ne(_));
    };
    match op {
        Op::Eq(x) => v == x,
        Op::Ne(x) => !(v == x),
        Op::In(xs) => xs.iter().any(|x| v == x),
        Op::Cmp(CmpOp::Gt, x) => v > x,
        Op::Cmp(CmpOp::Gte, x) => v >= x,
        Op::Cmp(CmpOp::Lt, x) => v < x,
        Op::Cmp(CmpOp::Lte, x) => v <= x,
        Op::Range(lo, hi) => lo <= v && v <= hi,
    }
}

fn eval_text(value: Option<&str>, kind: TextKind, needle: &str) -> bool {
    let Some(v) = value else {
        return false;
    };
    let (fv, fneedle) = (casefold(v), casefold(needle));
    match kind {
        TextKind::IExact => fv == fneedle,
        TextKind::Contains => v.contains(needle),
        TextKind::IContains => fv.contains(&fneedle),
        TextKind::StartsWith => v.starts_with(needle),
        TextKind::IStartsWith => fv.starts_with(&fneedle),
        TextKind::EndsWith => v.ends_with(needle),
        TextKind::IEndsWith => fv.ends_with(&fneedle),
    }
}

impl Lookup {
    fn eval(&self, row: &Item) -> bool {
        match self {
            Lookup::N(op) => eval_op(Some(&row.n), op),
            Lookup::R(op) => eval_op(Some(&row.r), op),
            Lookup::B(op) => eval_op(Some(&row.b), op),
            Lookup::S(op) => eval_op(Some(&row.s), op),
            Lookup::SText(kind, needle) => eval_text(Some(&row.s), *kind, needle),
            Lookup::O(op) => eval_op(row.o.as_ref(), op),
            Lookup::OText(kind, needle) => eval_text(row.o.as_deref(), *kind, needle),
            Lookup::OIsNull(is_null) => row.o.is_none() == *is_null,
            Lookup::K(op) => eval_op(row.k.as_ref(), op),
            Lookup::KIsNull(is_null) => row.k.is_none() == *is_null,
        }
    }
}

/// `None` is the empty predicate, which vanishes under `&`, `|` and `!`.
fn eval(p: &Pred, row: &Item) -> Option<bool> {
    match p {
        Pred::Empty => None,
        Pred::Lookup(l) => Some(l.eval(row)),
        Pred::And(a, b) => match (eval(a, row), eval(b, row)) {
            (None, x) | (x, None) => x,
            (Some(x), Some(y)) => Some(x && y),
        },
        Pred::Or(a, b) => match (eval(a, row), eval(b, row)) {
            (None, x) | (x, None) => x,
            (Some(x), Some(y)) => Some(x || y),
        },
        Pred::Not(a) => eval(a, row).map(|x| !x),
    }
}

fn selects(steps: &[Step], row: &Item) -> bool {
    steps.iter().all(|step| match step {
        Step::Filter(p) => eval(p, row).unwrap_or(true),
        Step::Exclude(p) => eval(p, row).is_none_or(|x| !x),
    })
}

// ---------------------------------------------------------------------------
// Strategies.

/// Pieces of text that are interesting together: LIKE and GLOB
/// metacharacters, the escape character, mixed case, and letters whose case
/// folding is not one-to-one (final sigma, sharp s, dotted and dotless i,
/// the Kelvin sign, long s), and NUL, which C string functions stop at.
const PIECES: &[&str] = &[
    "",
    "a",
    "A",
    "ab",
    "aB",
    "%",
    "_",
    "\\",
    "*",
    "?",
    "[",
    "]",
    "[a]",
    "a%b",
    "a_b",
    "x\\y",
    "Ö",
    "ö",
    "Motörhead",
    "MOTÖRHEAD",
    "Σ",
    "σ",
    "ς",
    "ΣΑΣ",
    "σας",
    "ß",
    "SS",
    "ẞ",
    "Straße",
    "STRASSE",
    "İ",
    "i",
    "I",
    "ı",
    "\u{212A}",
    "k",
    "ſ",
    "s",
    " ",
    "é",
    "E\u{301}",
    "\0",
    "a\0b",
];

fn text_value() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        3 => vec(select(PIECES), 0..3).prop_map(|p| p.concat()),
        1 => vec(any::<char>(), 0..3).prop_map(|c| c.into_iter().collect()),
    ]
}

/// A piece of one of `pool`'s strings, as written or in upper or lower case,
/// so that lookups often hit.
fn piece_of(pool: Vec<String>) -> impl Strategy<Value = String> + Clone {
    (select(pool), 0..8usize, 0..8usize, 0..3u8).prop_map(|(s, a, b, case)| {
        let chars: Vec<char> = s.chars().collect();
        let (a, b) = (a.min(chars.len()), b.min(chars.len()));
        let piece: String = chars[a.min(b)..a.max(b)].iter().collect();
        match case {
            0 => piece,
            1 => piece.to_uppercase(),
            _ => piece.to_lowercase(),
        }
    })
}

/// A value for a lookup on a text field: often one of the table's.
fn text_arg(pool: &[String]) -> BoxedStrategy<String> {
    if pool.is_empty() {
        return text_value().boxed();
    }
    prop_oneof![
        2 => text_value(),
        2 => select(pool.to_vec()),
        1 => piece_of(pool.to_vec()),
    ]
    .boxed()
}

/// The argument of a text lookup (`contains`, `iexact`, ...).
fn needle(pool: &[String]) -> BoxedStrategy<String> {
    if pool.is_empty() {
        return select(PIECES).prop_map(str::to_owned).boxed();
    }
    prop_oneof![
        2 => select(PIECES).prop_map(str::to_owned),
        1 => text_value(),
        3 => piece_of(pool.to_vec()),
    ]
    .boxed()
}

fn int_value() -> impl Strategy<Value = i64> + Clone {
    prop_oneof![8 => -3i64..=3, 1 => Just(i64::MIN), 1 => Just(i64::MAX)]
}

fn float_value() -> impl Strategy<Value = f64> + Clone {
    select(
        &[
            -2.5,
            -1.0,
            -0.0,
            0.0,
            0.5,
            1.0,
            3.25,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ][..],
    )
}

/// A lookup's float argument: also NaN, which SQLite binds as NULL, so that
/// `p` and `!p` must still split the rows between them.
fn float_arg() -> impl Strategy<Value = f64> + Clone {
    prop_oneof![9 => float_value(), 1 => Just(f64::NAN)]
}

fn eq_op<T, S>(v: S) -> BoxedStrategy<Op<T>>
where
    T: Clone + Debug + 'static,
    S: Strategy<Value = T> + Clone + 'static,
{
    prop_oneof![
        v.clone().prop_map(Op::Eq),
        v.clone().prop_map(Op::Ne),
        vec(v.clone(), 0..4).prop_map(Op::In),
        // Longer than the dialect's short-list limit (16): one JSON parameter.
        vec(v, 17..24).prop_map(Op::In),
    ]
    .boxed()
}

fn ordered_op<T, S>(v: S) -> BoxedStrategy<Op<T>>
where
    T: Clone + Debug + 'static,
    S: Strategy<Value = T> + Clone + 'static,
{
    let cmp = select(&[CmpOp::Gt, CmpOp::Gte, CmpOp::Lt, CmpOp::Lte][..]);
    prop_oneof![
        3 => eq_op(v.clone()),
        2 => (cmp, v.clone()).prop_map(|(c, x)| Op::Cmp(c, x)),
        1 => (v.clone(), v).prop_map(|(lo, hi)| Op::Range(lo, hi)),
    ]
    .boxed()
}

fn text_kind() -> impl Strategy<Value = TextKind> + Clone {
    select(
        &[
            TextKind::IExact,
            TextKind::Contains,
            TextKind::IContains,
            TextKind::StartsWith,
            TextKind::IStartsWith,
            TextKind::EndsWith,
            TextKind::IEndsWith,
        ][..],
    )
}

fn lookup(pool: &[String]) -> impl Strategy<Value = Lookup> + Clone + use<> {
    prop_oneof![
        1 => ordered_op(int_value()).prop_map(Lookup::N),
        1 => ordered_op(float_arg()).prop_map(Lookup::R),
        1 => eq_op(any::<bool>()).prop_map(Lookup::B),
        1 => ordered_op(text_arg(pool)).prop_map(Lookup::S),
        2 => (text_kind(), needle(pool)).prop_map(|(k, s)| Lookup::SText(k, s)),
        1 => ordered_op(text_arg(pool)).prop_map(Lookup::O),
        2 => (text_kind(), needle(pool)).prop_map(|(k, s)| Lookup::OText(k, s)),
        1 => any::<bool>().prop_map(Lookup::OIsNull),
        1 => ordered_op(int_value()).prop_map(Lookup::K),
        1 => any::<bool>().prop_map(Lookup::KIsNull),
    ]
}

fn pred(pool: &[String]) -> impl Strategy<Value = Pred> + Clone + use<> {
    let leaf = prop_oneof![
        1 => Just(Pred::Empty),
        10 => lookup(pool).prop_map(Pred::Lookup),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Pred::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Pred::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|a| Pred::Not(Box::new(a))),
        ]
    })
}

fn step(pool: &[String]) -> impl Strategy<Value = Step> + use<> {
    prop_oneof![
        3 => pred(pool).prop_map(Step::Filter),
        1 => pred(pool).prop_map(Step::Exclude),
    ]
}

fn row() -> impl Strategy<Value = Item> {
    (
        int_value(),
        float_value(),
        any::<bool>(),
        text_value(),
        proptest::option::of(text_value()),
        proptest::option::of(int_value()),
    )
        .prop_map(|(n, r, b, s, o, k)| Item {
            id: 0,
            n,
            r,
            b,
            s,
            o,
            k,
        })
}

/// A table of up to 11 rows, and up to 3 `filter`/`exclude` steps whose text
/// values are often taken from the table.
fn case() -> impl Strategy<Value = (Vec<Item>, Vec<Step>)> {
    vec(row(), 0..12).prop_flat_map(|rows| {
        let pool: Vec<String> = rows
            .iter()
            .flat_map(|row| std::iter::once(row.s.clone()).chain(row.o.clone()))
            .collect();
        (Just(rows), vec(step(&pool), 0..4))
    })
}

/// 256 cases, or `PROPTEST_CASES` to run longer; shrinking a failure stops
/// after 30 seconds.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        max_shrink_time: 30_000,
        ..ProptestConfig::with_cases(cases)
    }
}

// ---------------------------------------------------------------------------
// The property.

/// Inserts `rows` into a fresh in-memory database; returns it and the saved rows.
fn table(rows: Vec<Item>) -> (Db, Vec<Item>) {
    let db = Db::open_in_memory().unwrap();
    db.create_table::<Item>().unwrap();
    let saved = Item::objects().bulk_create(&db, rows).unwrap();
    (db, saved)
}

fn check(db: &Db, rows: &[Item], steps: &[Step]) -> Result<(), TestCaseError> {
    let qs = queryset(steps);
    let (sql, params) = qs.to_sql();
    let expected: Vec<i64> = rows
        .iter()
        .filter(|row| selects(steps, row))
        .map(|row| row.id)
        .collect();
    let mut got: Vec<i64> = qs
        .all(db)
        .map_err(|e| TestCaseError::fail(format!("{e}\nSQL: {sql}\nparams: {params:?}")))?
        .into_iter()
        .map(|row| row.id)
        .collect();
    got.sort_unstable();
    prop_assert_eq!(
        &got,
        &expected,
        "all() differs from the reference\nSQL: {}\nparams: {:?}",
        sql,
        params
    );
    let count = qs.count(db).unwrap();
    prop_assert_eq!(
        count,
        expected.len(),
        "count() differs\nSQL: {}\nparams: {:?}",
        sql,
        params
    );
    prop_assert_eq!(
        qs.exists(db).unwrap(),
        !expected.is_empty(),
        "exists() differs"
    );
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// One chain of `filter`/`exclude` calls, and each step alone as a
    /// `filter`, against the reference.
    #[test]
    fn sqlite_selects_what_rust_selects(
        (rows, steps) in case(),
    ) {
        let (db, saved) = table(rows.clone());
        // The rows read back are the rows written.
        let mut back = Item::objects().all(&db).unwrap();
        back.sort_by_key(|row| row.id);
        prop_assert_eq!(&back, &saved);
        for (row, orig) in saved.iter().zip(&rows) {
            prop_assert_eq!(&Item { id: 0, ..row.clone() }, orig);
        }

        check(&db, &saved, &steps)?;
        for step in &steps {
            let (Step::Filter(p) | Step::Exclude(p)) = step;
            check(&db, &saved, &[Step::Filter(p.clone())])?;
            check(&db, &saved, &[Step::Exclude(p.clone())])?;
        }
    }
}

/// The rows of the fixed cases below.
fn fixed_table() -> (Db, Vec<Item>) {
    table(vec![
        Item {
            id: 0,
            n: 1,
            r: 0.5,
            b: true,
            s: "Motörhead 100%".into(),
            o: None,
            k: None,
        },
        Item {
            id: 0,
            n: 2,
            r: -0.0,
            b: false,
            s: "ΣΑΣ a_b [x] *?".into(),
            o: Some("σας".into()),
            k: Some(3),
        },
        Item {
            id: 0,
            n: 3,
            r: 1e300,
            b: true,
            s: "STRASSE \\".into(),
            o: Some("".into()),
            k: Some(-1),
        },
        Item {
            id: 0,
            n: 4,
            r: 2.0,
            b: false,
            s: "a\0b".into(),
            o: Some("a".into()),
            k: Some(0),
        },
    ])
}

/// Checks each predicate as a `filter` and as an `exclude`.
fn check_fixed(preds: Vec<Pred>) {
    let (db, saved) = fixed_table();
    for p in preds {
        for step in [Step::Filter(p.clone()), Step::Exclude(p)] {
            if let Err(e) = check(&db, &saved, std::slice::from_ref(&step)) {
                panic!("{step:?}: {e}");
            }
        }
    }
}

fn l(lookup: Lookup) -> Pred {
    Pred::Lookup(lookup)
}

/// Cases the property covers only by chance.
#[test]
fn fixed_cases() {
    check_fixed(vec![
        l(Lookup::SText(TextKind::IContains, "motÖrhead".into())),
        l(Lookup::SText(TextKind::Contains, "%".into())),
        l(Lookup::SText(TextKind::Contains, "a_b".into())),
        l(Lookup::SText(TextKind::Contains, "_".into())),
        l(Lookup::SText(TextKind::Contains, "[x]".into())),
        l(Lookup::SText(TextKind::Contains, "*?".into())),
        l(Lookup::SText(TextKind::EndsWith, "\\".into())),
        l(Lookup::SText(TextKind::IStartsWith, "straße".into())),
        l(Lookup::OText(TextKind::IExact, "ΣΑΣ".into())),
        l(Lookup::O(Op::Ne("σας".into()))),
        l(Lookup::O(Op::In(vec![]))),
        l(Lookup::R(Op::Eq(0.0))),
        Pred::Not(Box::new(l(Lookup::K(Op::Cmp(CmpOp::Gt, 0))))),
        Pred::Or(Box::new(Pred::Empty), Box::new(l(Lookup::N(Op::Eq(2))))),
        Pred::Not(Box::new(Pred::Empty)),
    ]);
}

/// Text holding a NUL character is still compared whole, on both sides.
#[test]
fn text_lookups_with_nul() {
    check_fixed(vec![
        l(Lookup::SText(TextKind::Contains, "\0".into())),
        l(Lookup::SText(TextKind::Contains, "b".into())),
        l(Lookup::SText(TextKind::EndsWith, "\0b".into())),
        l(Lookup::SText(TextKind::StartsWith, "a\0".into())),
        l(Lookup::SText(TextKind::IContains, "\0B".into())),
        l(Lookup::SText(TextKind::IExact, "A\0B".into())),
        l(Lookup::S(Op::Eq("a\0b".into()))),
    ]);
}

/// A NaN argument matches no row, so its negation matches every row.
#[test]
fn negated_nan_argument() {
    check_fixed(vec![
        l(Lookup::R(Op::Eq(f64::NAN))),
        l(Lookup::R(Op::Cmp(CmpOp::Gt, f64::NAN))),
        l(Lookup::R(Op::Range(-1.0, f64::NAN))),
        l(Lookup::R(Op::In(vec![f64::NAN, 0.5]))),
    ]);
}
