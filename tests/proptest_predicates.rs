//! Property test of the SQL compiler: random predicates over a small random
//! table select exactly the rows that the same predicate selects when it is
//! evaluated in plain Rust, with Django's semantics, on each backend (SQLite
//! always, PostgreSQL when `QUERY_TEST_POSTGRES` is set).
//!
//! The reference semantics, written out in [`Lookup::eval`] and [`eval`]:
//! - a lookup on a NULL value is false, except `ne` (which is `!eq`, so true
//!   on NULL) and `isnull`;
//! - `!p` is the plain boolean negation of the two-valued result;
//! - `filter(a).filter(b)` is `a & b`; `exclude(p)` keeps the rows where `p`
//!   is false;
//! - `Q::new()` vanishes in `&` and `|`, stays empty under `!`, and matches
//!   every row on its own;
//! - text orders by its bytes (code points: the test server's collation is
//!   `C.UTF-8`, which [`assert_code_point_collation`] checks);
//!
//! and where Django on the two databases legitimately differs
//! ([`Semantics`]):
//! - the `i` lookups compare [`query::casefold`] of both sides on SQLite,
//!   and `UPPER(..)` of both sides on PostgreSQL (one character to one, in
//!   the server's locale: the reference asks the server for it);
//! - a NaN float is bound as NULL on SQLite, so no comparison with it holds
//!   (and a NaN can't be stored); PostgreSQL stores and compares NaN as
//!   equal to itself and greater than every other number;
//! - PostgreSQL text can't hold NUL, so no NUL is generated there.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Debug;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{TestCaseResult, TestRunner};
use query::casefold;
use query::prelude::*;
use query::{FieldType, IntoValue, Operand, Ordered};

mod common;

use common::{each_empty_db, postgres_db};

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
    T::Scalar: Clone + IntoValue<T::Scalar> + Operand<Item, T::Scalar>,
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
    T::Scalar: Clone + IntoValue<T::Scalar> + Operand<Item, T::Scalar>,
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

/// What the database under test does where Django on SQLite and Django on
/// PostgreSQL legitimately differ.
struct Semantics {
    backend: Backend,
    /// PostgreSQL's `UPPER` of every text the case compares, as the server
    /// computes it (its locale's one-to-one case mapping).
    upper: HashMap<String, String>,
}

impl Semantics {
    /// The semantics of `db`, for a case comparing `rows` with `steps`.
    fn of(db: &Db, rows: &[Item], steps: &[Step]) -> Semantics {
        let backend = db.backend();
        let mut upper = HashMap::new();
        if backend == Backend::Postgres {
            let mut texts = BTreeSet::new();
            for row in rows {
                texts.insert(row.s.clone());
                texts.extend(row.o.clone());
            }
            for step in steps {
                let (Step::Filter(p) | Step::Exclude(p)) = step;
                needles(p, &mut texts);
            }
            let texts: Vec<String> = texts.into_iter().collect();
            if !texts.is_empty() {
                let sql = (1..=texts.len())
                    .map(|i| format!("UPPER(${i})"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let params: Vec<Value> = texts.iter().cloned().map(Value::Text).collect();
                let got = db.query(&format!("SELECT {sql}"), &params).unwrap();
                for (text, up) in texts.into_iter().zip(&got[0]) {
                    let Value::Text(up) = up else {
                        panic!("UPPER gave {up:?}")
                    };
                    upper.insert(text, up.clone());
                }
            }
        }
        Semantics { backend, upper }
    }

    /// What the `i` lookups compare: the case folding (SQLite) or the upper
    /// case (PostgreSQL) of `text`.
    fn fold(&self, text: &str) -> String {
        match self.backend {
            Backend::Postgres => self
                .upper
                .get(text)
                .unwrap_or_else(|| panic!("no UPPER({text:?}) asked of the server"))
                .clone(),
            _ => casefold(text),
        }
    }

    /// How a float column compares with a float argument: by IEEE 754 on
    /// SQLite, where a NaN argument is bound as NULL (so it compares with
    /// nothing); on PostgreSQL NaN equals NaN and is above every number.
    fn float_cmp(&self, a: &f64, b: &f64) -> Option<Ordering> {
        match (self.backend, a.is_nan(), b.is_nan()) {
            (Backend::Postgres, true, true) => Some(Ordering::Equal),
            (Backend::Postgres, true, false) => Some(Ordering::Greater),
            (Backend::Postgres, false, true) => Some(Ordering::Less),
            _ => a.partial_cmp(b),
        }
    }
}

/// The arguments of the text lookups in `p`.
fn needles(p: &Pred, out: &mut BTreeSet<String>) {
    match p {
        Pred::Empty => {}
        Pred::Lookup(Lookup::SText(_, n) | Lookup::OText(_, n)) => {
            out.insert(n.clone());
        }
        Pred::Lookup(_) => {}
        Pred::And(a, b) | Pred::Or(a, b) => {
            needles(a, out);
            needles(b, out);
        }
        Pred::Not(a) => needles(a, out),
    }
}

/// `op` on `value`, with `cmp` comparing the column's value with an
/// argument (`None`: they don't compare, as with NULL).
fn eval_op<T>(value: Option<&T>, op: &Op<T>, cmp: impl Fn(&T, &T) -> Option<Ordering>) -> bool {
    let Some(v) = value else {
        // A lookup on NULL is false; `ne` is `!eq`, so it is true.
        return matches!(op, Op::Ne(_));
    };
    let is = |x: &T, want: &[Ordering]| cmp(v, x).is_some_and(|o| want.contains(&o));
    use Ordering::{Equal, Greater, Less};
    match op {
        Op::Eq(x) => is(x, &[Equal]),
        Op::Ne(x) => !is(x, &[Equal]),
        Op::In(xs) => xs.iter().any(|x| is(x, &[Equal])),
        Op::Cmp(CmpOp::Gt, x) => is(x, &[Greater]),
        Op::Cmp(CmpOp::Gte, x) => is(x, &[Greater, Equal]),
        Op::Cmp(CmpOp::Lt, x) => is(x, &[Less]),
        Op::Cmp(CmpOp::Lte, x) => is(x, &[Less, Equal]),
        Op::Range(lo, hi) => is(lo, &[Greater, Equal]) && is(hi, &[Less, Equal]),
    }
}

fn total<T: Ord>(a: &T, b: &T) -> Option<Ordering> {
    Some(a.cmp(b))
}

fn eval_text(sem: &Semantics, value: Option<&str>, kind: TextKind, needle: &str) -> bool {
    let Some(v) = value else {
        return false;
    };
    let (fv, fneedle) = (sem.fold(v), sem.fold(needle));
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
    fn eval(&self, sem: &Semantics, row: &Item) -> bool {
        match self {
            Lookup::N(op) => eval_op(Some(&row.n), op, total),
            Lookup::R(op) => eval_op(Some(&row.r), op, |a, b| sem.float_cmp(a, b)),
            Lookup::B(op) => eval_op(Some(&row.b), op, total),
            Lookup::S(op) => eval_op(Some(&row.s), op, total),
            Lookup::SText(kind, needle) => eval_text(sem, Some(&row.s), *kind, needle),
            Lookup::O(op) => eval_op(row.o.as_ref(), op, total),
            Lookup::OText(kind, needle) => eval_text(sem, row.o.as_deref(), *kind, needle),
            Lookup::OIsNull(is_null) => row.o.is_none() == *is_null,
            Lookup::K(op) => eval_op(row.k.as_ref(), op, total),
            Lookup::KIsNull(is_null) => row.k.is_none() == *is_null,
        }
    }
}

/// `None` is the empty predicate, which vanishes under `&`, `|` and `!`.
fn eval(sem: &Semantics, p: &Pred, row: &Item) -> Option<bool> {
    match p {
        Pred::Empty => None,
        Pred::Lookup(l) => Some(l.eval(sem, row)),
        Pred::And(a, b) => match (eval(sem, a, row), eval(sem, b, row)) {
            (None, x) | (x, None) => x,
            (Some(x), Some(y)) => Some(x && y),
        },
        Pred::Or(a, b) => match (eval(sem, a, row), eval(sem, b, row)) {
            (None, x) | (x, None) => x,
            (Some(x), Some(y)) => Some(x || y),
        },
        Pred::Not(a) => eval(sem, a, row).map(|x| !x),
    }
}

fn selects(sem: &Semantics, steps: &[Step], row: &Item) -> bool {
    steps.iter().all(|step| match step {
        Step::Filter(p) => eval(sem, p, row).unwrap_or(true),
        Step::Exclude(p) => eval(sem, p, row).is_none_or(|x| !x),
    })
}

// ---------------------------------------------------------------------------
// Strategies.

/// Pieces of text that are interesting together: LIKE and GLOB
/// metacharacters, the escape character, mixed case, and letters whose case
/// folding is not one-to-one (final sigma, sharp s, dotted and dotless i,
/// the Kelvin sign, long s), and NUL, which C string functions stop at
/// (SQLite only: PostgreSQL text can't hold it).
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

/// The pieces the backend can store.
fn pieces(backend: Backend) -> Vec<&'static str> {
    PIECES
        .iter()
        .copied()
        .filter(|p| backend != Backend::Postgres || !p.contains('\0'))
        .collect()
}

/// Any character the backend can store in text.
fn text_char(backend: Backend) -> BoxedStrategy<char> {
    if backend == Backend::Postgres {
        any::<char>()
            .prop_filter("PostgreSQL text can't hold NUL", |c| *c != '\0')
            .boxed()
    } else {
        any::<char>().boxed()
    }
}

fn text_value(backend: Backend) -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        3 => vec(select(pieces(backend)), 0..3).prop_map(|p| p.concat()),
        1 => vec(text_char(backend), 0..3).prop_map(|c| c.into_iter().collect()),
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
fn text_arg(pool: &[String], backend: Backend) -> BoxedStrategy<String> {
    if pool.is_empty() {
        return text_value(backend).boxed();
    }
    prop_oneof![
        2 => text_value(backend),
        2 => select(pool.to_vec()),
        1 => piece_of(pool.to_vec()),
    ]
    .boxed()
}

/// The argument of a text lookup (`contains`, `iexact`, ...).
/// Needles of `LIKE`'s metacharacters and its escape character, which
/// match any text that holds a character where they stand unless they are
/// escaped (PostgreSQL's `contains`, `startswith`, `endswith`).
const LIKE_NEEDLES: &[&str] = &["_", "%", "\\", "a_", "_b", "a%b", "a_b", "%%", "\\_", "\\%"];

fn needle(pool: &[String], backend: Backend) -> BoxedStrategy<String> {
    if pool.is_empty() {
        return prop_oneof![
            2 => select(pieces(backend)).prop_map(str::to_owned),
            1 => select(LIKE_NEEDLES).prop_map(str::to_owned),
        ]
        .boxed();
    }
    prop_oneof![
        2 => select(pieces(backend)).prop_map(str::to_owned),
        1 => select(LIKE_NEEDLES).prop_map(str::to_owned),
        1 => text_value(backend),
        3 => piece_of(pool.to_vec()),
    ]
    .boxed()
}

fn int_value() -> impl Strategy<Value = i64> + Clone {
    prop_oneof![8 => -3i64..=3, 1 => Just(i64::MIN), 1 => Just(i64::MAX)]
}

/// A float a row can hold: also NaN on PostgreSQL (SQLite binds NaN as
/// NULL, which the column refuses).
fn float_value(backend: Backend) -> impl Strategy<Value = f64> + Clone {
    let nan = if backend == Backend::Postgres { 1 } else { 0 };
    prop_oneof![10 => float_number(), nan => Just(f64::NAN)]
}

fn float_number() -> impl Strategy<Value = f64> + Clone {
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
/// `p` and `!p` must still split the rows between them (and which
/// PostgreSQL compares as a number above all others).
fn float_arg() -> impl Strategy<Value = f64> + Clone {
    prop_oneof![9 => float_number(), 1 => Just(f64::NAN)]
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

fn lookup(pool: &[String], backend: Backend) -> impl Strategy<Value = Lookup> + Clone + use<> {
    prop_oneof![
        1 => ordered_op(int_value()).prop_map(Lookup::N),
        1 => ordered_op(float_arg()).prop_map(Lookup::R),
        1 => eq_op(any::<bool>()).prop_map(Lookup::B),
        1 => ordered_op(text_arg(pool, backend)).prop_map(Lookup::S),
        2 => (text_kind(), needle(pool, backend)).prop_map(|(k, s)| Lookup::SText(k, s)),
        1 => ordered_op(text_arg(pool, backend)).prop_map(Lookup::O),
        2 => (text_kind(), needle(pool, backend)).prop_map(|(k, s)| Lookup::OText(k, s)),
        1 => any::<bool>().prop_map(Lookup::OIsNull),
        1 => ordered_op(int_value()).prop_map(Lookup::K),
        1 => any::<bool>().prop_map(Lookup::KIsNull),
    ]
}

fn pred(pool: &[String], backend: Backend) -> impl Strategy<Value = Pred> + Clone + use<> {
    let leaf = prop_oneof![
        1 => Just(Pred::Empty),
        10 => lookup(pool, backend).prop_map(Pred::Lookup),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Pred::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Pred::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|a| Pred::Not(Box::new(a))),
        ]
    })
}

fn step(pool: &[String], backend: Backend) -> impl Strategy<Value = Step> + use<> {
    prop_oneof![
        3 => pred(pool, backend).prop_map(Step::Filter),
        1 => pred(pool, backend).prop_map(Step::Exclude),
    ]
}

fn row(backend: Backend) -> impl Strategy<Value = Item> {
    (
        int_value(),
        float_value(backend),
        any::<bool>(),
        text_value(backend),
        proptest::option::of(text_value(backend)),
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
fn case(backend: Backend) -> impl Strategy<Value = (Vec<Item>, Vec<Step>)> {
    vec(row(backend), 0..12).prop_flat_map(move |rows| {
        let pool: Vec<String> = rows
            .iter()
            .flat_map(|row| std::iter::once(row.s.clone()).chain(row.o.clone()))
            .collect();
        (Just(rows), vec(step(&pool, backend), 0..4))
    })
}

/// 256 cases on each backend (under 2 seconds on a local PostgreSQL, in a
/// debug build), or `PROPTEST_CASES` to run longer; shrinking a failure
/// stops after 30 seconds.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        max_shrink_time: 30_000,
        // As `proptest!` sets them: failures are saved beside this file.
        source_file: Some(file!()),
        ..ProptestConfig::with_cases(cases)
    }
}

// ---------------------------------------------------------------------------
// The property.

/// Empties `db`'s `item` table and inserts `rows`; returns the saved rows.
fn table(db: &Db, rows: Vec<Item>) -> Vec<Item> {
    Item::objects().delete(db).unwrap();
    Item::objects().bulk_create(db, rows).unwrap()
}

/// Whether two rows are the same, NaN being the same as NaN.
fn same(a: &Item, b: &Item) -> bool {
    let without_r = |x: &Item| Item {
        r: 0.0,
        ..x.clone()
    };
    without_r(a) == without_r(b) && (a.r == b.r || (a.r.is_nan() && b.r.is_nan()))
}

fn check(db: &Db, sem: &Semantics, rows: &[Item], steps: &[Step]) -> Result<(), TestCaseError> {
    let qs = queryset(steps);
    let (sql, params) = qs.to_sql_for(db.backend());
    let expected: Vec<i64> = rows
        .iter()
        .filter(|row| selects(sem, steps, row))
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

/// One case: one chain of `filter`/`exclude` calls, and each step alone as
/// a `filter` and as an `exclude`, against the reference.
fn one_case(db: &Db, rows: Vec<Item>, steps: Vec<Step>) -> TestCaseResult {
    let saved = table(db, rows.clone());
    // The rows read back are the rows written.
    let mut back = Item::objects().all(db).unwrap();
    back.sort_by_key(|row| row.id);
    prop_assert_eq!(back.len(), saved.len());
    for (got, want) in back.iter().zip(&saved) {
        prop_assert!(same(got, want), "read back {:?}, saved {:?}", got, want);
    }
    for (row, orig) in saved.iter().zip(&rows) {
        let unsaved = Item {
            id: 0,
            ..row.clone()
        };
        prop_assert!(same(&unsaved, orig), "saved {:?} from {:?}", row, orig);
    }

    let sem = Semantics::of(db, &saved, &steps);
    check(db, &sem, &saved, &steps)?;
    for step in &steps {
        let (Step::Filter(p) | Step::Exclude(p)) = step;
        check(db, &sem, &saved, &[Step::Filter(p.clone())])?;
        check(db, &sem, &saved, &[Step::Exclude(p.clone())])?;
    }
    Ok(())
}

/// Runs the property on `db`: one `item` table for the whole run, emptied
/// before each case (a PostgreSQL schema per case would cost more than the
/// case).
fn property(db: &Db, test_name: &'static str) {
    let backend = db.backend();
    if backend == Backend::Postgres {
        assert_code_point_collation(db);
    }
    db.create_table::<Item>().unwrap();
    let mut runner = TestRunner::new(ProptestConfig {
        test_name: Some(test_name),
        ..config()
    });
    let started = std::time::Instant::now();
    let outcome = runner.run(&case(backend), |(rows, steps)| one_case(db, rows, steps));
    if let Err(e) = outcome {
        panic!("on {backend:?}: {e}\n{runner}");
    }
    eprintln!(
        "{test_name}: {} cases on {backend:?} in {:.2?}",
        runner.config().cases,
        started.elapsed()
    );
}

/// The reference orders text by code point (byte order in UTF-8), as SQLite
/// does; on PostgreSQL that is the `C` and `C.UTF-8` collations' order, and
/// a test server with another collation would fail every case that
/// compares text for a reason unrelated to the crate.
fn assert_code_point_collation(db: &Db) {
    let pairs = [
        ("B", "a"),
        ("Z", "é"),
        ("\u{FFFF}", "\u{10000}"),
        ("a", "ab"),
    ];
    for (lo, hi) in pairs {
        let got = db
            .query(
                "SELECT CASE WHEN $1 < $2 THEN 1 ELSE 0 END",
                &[Value::Text(lo.into()), Value::Text(hi.into())],
            )
            .unwrap();
        assert_eq!(
            got,
            vec![vec![Value::Integer(1)]],
            "the test server's collation does not order {lo:?} before {hi:?} (code point order): use a database with LC_COLLATE C.UTF-8"
        );
    }
}

#[test]
fn sqlite_selects_what_rust_selects() {
    let db = Db::open_in_memory().unwrap();
    property(&db, "sqlite_selects_what_rust_selects");
}

#[test]
fn postgres_selects_what_rust_selects() {
    // Without QUERY_TEST_POSTGRES there is no server; a note says so once.
    let Some(db) = postgres_db() else {
        return;
    };
    property(&db, "postgres_selects_what_rust_selects");
}

/// The rows of the fixed cases below: on SQLite one holds a NUL; on
/// PostgreSQL, which can't store NUL, that row is `axb` (which `a_b` would
/// match if `_` were left a LIKE wildcard), and a fifth row holds NaN.
fn fixed_table(db: &Db) -> Vec<Item> {
    let item = |n, r, s: &str, o: Option<&str>, k| Item {
        id: 0,
        n,
        r,
        b: n % 2 == 1,
        s: s.into(),
        o: o.map(str::to_owned),
        k,
    };
    let mut rows = vec![
        item(1, 0.5, "Motörhead 100%", None, None),
        item(2, -0.0, "ΣΑΣ a_b [x] *?", Some("σας"), Some(3)),
        item(3, 1e300, "STRASSE \\", Some(""), Some(-1)),
    ];
    match db.backend() {
        Backend::Postgres => {
            rows.push(item(4, 2.0, "axb", Some("a"), Some(0)));
            rows.push(item(5, f64::NAN, "nan", None, Some(7)));
        }
        _ => rows.push(item(4, 2.0, "a\0b", Some("a"), Some(0))),
    }
    db.create_table::<Item>().unwrap();
    table(db, rows)
}

/// Checks each predicate as a `filter` and as an `exclude` on the fixed
/// table, on `db`.
fn check_fixed(db: &Db, preds: &[Pred]) {
    let saved = fixed_table(db);
    let steps: Vec<Step> = preds.iter().cloned().map(Step::Filter).collect();
    let sem = Semantics::of(db, &saved, &steps);
    for p in preds {
        for step in [Step::Filter(p.clone()), Step::Exclude(p.clone())] {
            if let Err(e) = check(db, &sem, &saved, std::slice::from_ref(&step)) {
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
fn fixed_cases() -> query::Result<()> {
    let preds = vec![
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
    ];
    each_empty_db(|db| {
        check_fixed(db, &preds);
        Ok(())
    })
}

/// Text holding a NUL character is still compared whole, on both sides.
/// SQLite only: PostgreSQL text can't hold NUL (see
/// `postgres_refuses_text_with_nul`).
#[test]
fn text_lookups_with_nul() {
    let db = Db::open_in_memory().unwrap();
    check_fixed(
        &db,
        &[
            l(Lookup::SText(TextKind::Contains, "\0".into())),
            l(Lookup::SText(TextKind::Contains, "b".into())),
            l(Lookup::SText(TextKind::EndsWith, "\0b".into())),
            l(Lookup::SText(TextKind::StartsWith, "a\0".into())),
            l(Lookup::SText(TextKind::IContains, "\0B".into())),
            l(Lookup::SText(TextKind::IExact, "A\0B".into())),
            l(Lookup::S(Op::Eq("a\0b".into()))),
        ],
    );
}

/// PostgreSQL can't store or compare text holding NUL: saving such a row,
/// or filtering with such an argument, is an error that writes nothing.
#[test]
fn postgres_refuses_text_with_nul() {
    let Some(db) = postgres_db() else {
        return;
    };
    let saved = fixed_table(&db);
    let mut row = saved[0].clone();
    row.id = 0;
    row.s = "a\0b".into();
    let created = Item::objects().create(&db, row);
    assert!(created.is_err(), "got {created:?}");
    let contains = Item::objects().filter(item::s.contains("\0")).all(&db);
    assert!(contains.is_err(), "got {contains:?}");
    let eq = Item::objects().filter(item::s.eq("a\0b")).count(&db);
    assert!(eq.is_err(), "got {eq:?}");
    assert_eq!(Item::objects().count(&db).unwrap(), saved.len());
}

/// A NaN argument: on SQLite it is bound as NULL, so it matches no row and
/// its negation every row; on PostgreSQL NaN equals NaN and is above every
/// number (the fixed table there has a NaN row).
#[test]
fn negated_nan_argument() -> query::Result<()> {
    let preds = [
        l(Lookup::R(Op::Eq(f64::NAN))),
        l(Lookup::R(Op::Cmp(CmpOp::Gt, f64::NAN))),
        l(Lookup::R(Op::Cmp(CmpOp::Lt, f64::NAN))),
        l(Lookup::R(Op::Range(-1.0, f64::NAN))),
        l(Lookup::R(Op::In(vec![f64::NAN, 0.5]))),
    ];
    each_empty_db(|db| {
        check_fixed(db, &preds);
        // The same, spelled out.
        let count = |q: Q<Item>| Item::objects().filter(q).count(db).unwrap();
        let (eq, lt, range, ne) = match db.backend() {
            Backend::Sqlite => (0, 0, 0, 4),
            // Rows r: 0.5, -0.0, 1e300, 2.0, NaN; NaN is in [-1, NaN].
            Backend::Postgres => (1, 4, 5, 4),
            other => panic!("no expectation for {other:?}"),
        };
        assert_eq!(count(item::r.eq(f64::NAN)), eq);
        assert_eq!(count(item::r.lt(f64::NAN)), lt);
        assert_eq!(count(item::r.range(-1.0, f64::NAN)), range);
        assert_eq!(count(item::r.ne(f64::NAN)), ne);
        assert_eq!(count(item::r.gt(f64::NAN)), 0);
        Ok(())
    })
}
