//! Typed fields, lookups, predicates (`Q`), ordering and assignments.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{BitAnd, BitOr, Neg, Not};

use crate::model::Model;
use crate::tree::{Cmp, Column, Cond, Expr, OrderTerm, PathNode};
use crate::types::{FieldType, IntoValue, Nullable, Operand, Ordered, TextLookup};
use crate::value::Value;

pub use crate::tree::TextOp;

/// A typed column of model `M` whose Rust type is `T`.
///
/// `#[derive(Model)]` generates one constant per field in a module named
/// after the model (`product::price: Field<Product, i64>`). Lookups are
/// methods on it; each exists only for the field types where it makes sense
/// and takes only values of the field's type.
pub struct Field<M, T> {
    column: Col,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Field<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for Field<M, T> {}

impl<M, T> fmt::Debug for Field<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Field").field(&self.column.name).finish()
    }
}

/// A column of a model: its SQL name, its index in `META.fields`, and the
/// relations followed to reach it from the model queried (a field reached
/// through a path: `track::album.title()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Col {
    pub name: &'static str,
    pub index: usize,
    pub path: Option<&'static PathNode>,
}

/// A condition on the rows of model `M`: Django's `Q` object.
///
/// Every lookup returns one; combine them with `&` (AND), `|` (OR) and `!`
/// (NOT). A `Q` is a plain value, so conditions can be built at run time:
///
/// ```
/// # use query::prelude::*;
/// # #[derive(Model)] pub struct Product { pub id: i64, pub name: String, pub price: i64 }
/// # fn main() {
/// use product::*;
/// let wanted = ["sony", "lg"];
/// let mut q = Q::new();
/// for brand in wanted {
///     q = q | name.icontains(brand);
/// }
/// let cheap = Product::objects().filter(q & price.lte(500));
/// # let _ = cheap;
/// # }
/// ```
///
/// `Q::new()` is the empty condition, as in Django: it matches every row and
/// disappears when combined, so it is the starting point for both `&` and `|`.
///
/// Negation follows Django: `!p` keeps every row for which `p` is not true,
/// including rows where `p` compares with NULL.
pub struct Q<M> {
    pub(crate) node: Cond,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Q<M> {
    /// The empty condition: matches every row; `Q::new() & p` and
    /// `Q::new() | p` are both `p`.
    pub fn new() -> Self {
        Q::from_node(Cond::Empty)
    }

    pub(crate) fn from_node(node: Cond) -> Self {
        Q {
            node,
            _marker: PhantomData,
        }
    }

    /// Whether this is the empty condition.
    pub fn is_empty(&self) -> bool {
        self.node == Cond::Empty
    }
}

impl<M> Default for Q<M> {
    fn default() -> Self {
        Q::new()
    }
}

impl<M> Clone for Q<M> {
    fn clone(&self) -> Self {
        Q::from_node(self.node.clone())
    }
}

impl<M> fmt::Debug for Q<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

/// Something that can filter a `QuerySet<M>`: a condition on model `M`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a condition on `{M}`",
    label = "this condition is not on `{M}`",
    note = "each model's fields live in the module its derive generates; a condition on `{M}` uses the fields of `{M}` only"
)]
pub trait Condition<M> {
    /// The condition.
    fn into_q(self) -> Q<M>;
}

impl<M> Condition<M> for Q<M> {
    #[inline]
    fn into_q(self) -> Q<M> {
        self
    }
}

impl<M, R: Condition<M>> BitAnd<R> for Q<M> {
    type Output = Q<M>;
    fn bitand(self, rhs: R) -> Q<M> {
        Q::from_node(self.node.and(rhs.into_q().node))
    }
}

impl<M, R: Condition<M>> BitOr<R> for Q<M> {
    type Output = Q<M>;
    fn bitor(self, rhs: R) -> Q<M> {
        Q::from_node(self.node.or(rhs.into_q().node))
    }
}

impl<M> Not for Q<M> {
    type Output = Q<M>;
    fn not(self) -> Q<M> {
        Q::from_node(self.node.negate())
    }
}

impl<M, T> Field<M, T> {
    #[doc(hidden)]
    /// Used by the derive: the field's index in `META.fields` and its
    /// column's name in SQL.
    pub const fn new(index: usize, column: &'static str) -> Self {
        Field::from_column(column, index, None)
    }

    /// A column reached through `path` (none: the model's own column).
    pub(crate) const fn from_column(
        column: &'static str,
        index: usize,
        path: Option<&'static PathNode>,
    ) -> Self {
        Field {
            column: Col {
                name: column,
                index,
                path,
            },
            _marker: PhantomData,
        }
    }

    /// The column's name.
    pub const fn column(&self) -> &'static str {
        self.column.name
    }
}

impl<M: Model, T: FieldType> Field<M, T> {
    /// The field as a column of the model's table.
    #[inline]
    pub(crate) fn col(self) -> Column {
        let mut c = Column::of_field(M::META.table, self.column.name, self.column.index);
        if let Some(node) = self.column.path {
            c.table = crate::tree::TableName::Table(node.rel.to.table);
            c.path = Some(node);
        }
        c
    }

    #[inline]
    fn expr(self) -> Expr {
        Expr::Column(self.col())
    }

    fn cmp(self, op: Cmp, rhs: impl Operand<M, T::Scalar>) -> Q<M> {
        let (rhs, rhs_null) = rhs.into_operand();
        Q::from_node(Cond::Cmp {
            lhs: self.expr(),
            op,
            rhs,
            nullable: T::NULLABLE || rhs_null,
        })
    }

    fn text(self, op: TextOp, case_insensitive: bool, needle: Value) -> Q<M> {
        // The needle stays as written: each backend folds or escapes it as
        // its SQL needs.
        Q::from_node(Cond::Text {
            lhs: self.expr(),
            op,
            case_insensitive,
            needle,
            nullable: T::NULLABLE,
        })
    }

    /// `field = value` (Django's `field=value`, `__exact`). On an `Option`
    /// field, NULL rows never match: use `isnull(true)` for them.
    pub fn eq(self, value: impl Operand<M, T::Scalar>) -> Q<M> {
        self.cmp(Cmp::Eq, value)
    }

    /// Not equal: exactly `!field.eq(value)`, so rows where the field is NULL
    /// match (as Django's `exclude(field=value)` keeps them).
    pub fn ne(self, value: impl Operand<M, T::Scalar>) -> Q<M> {
        self.cmp(Cmp::Ne, value)
    }

    /// `field > value` (`__gt`).
    pub fn gt(self, value: impl Operand<M, T::Scalar>) -> Q<M>
    where
        T: Ordered,
    {
        self.cmp(Cmp::Gt, value)
    }

    /// `field >= value` (`__gte`).
    pub fn gte(self, value: impl Operand<M, T::Scalar>) -> Q<M>
    where
        T: Ordered,
    {
        self.cmp(Cmp::Gte, value)
    }

    /// `field < value` (`__lt`).
    pub fn lt(self, value: impl Operand<M, T::Scalar>) -> Q<M>
    where
        T: Ordered,
    {
        self.cmp(Cmp::Lt, value)
    }

    /// `field <= value` (`__lte`).
    pub fn lte(self, value: impl Operand<M, T::Scalar>) -> Q<M>
    where
        T: Ordered,
    {
        self.cmp(Cmp::Lte, value)
    }

    /// `lo <= field <= hi` (`__range`, inclusive at both ends).
    pub fn range(self, lo: impl IntoValue<T::Scalar>, hi: impl IntoValue<T::Scalar>) -> Q<M>
    where
        T: Ordered,
    {
        Q::from_node(Cond::Range {
            lhs: self.expr(),
            lo: lo.into_value(),
            hi: hi.into_value(),
            nullable: T::NULLABLE,
        })
    }

    /// `field IN (values)` (`__in`). An empty list matches no row.
    pub fn is_in<I>(self, values: I) -> Q<M>
    where
        I: IntoIterator,
        I::Item: IntoValue<T::Scalar>,
    {
        Q::from_node(Cond::In {
            lhs: self.expr(),
            values: values.into_iter().map(IntoValue::into_value).collect(),
            nullable: T::NULLABLE,
        })
    }

    /// `field IS NULL` when `true`, `IS NOT NULL` when `false` (`__isnull`).
    /// Only on `Option` fields.
    pub fn isnull(self, is_null: bool) -> Q<M>
    where
        T: Nullable,
    {
        Q::from_node(Cond::IsNull {
            lhs: self.expr(),
            is_null,
        })
    }

    /// Equal ignoring case, for all of Unicode (`__iexact`).
    pub fn iexact(self, value: impl IntoValue<String>) -> Q<M>
    where
        T: TextLookup,
    {
        self.text(TextOp::IExact, true, value.into_value())
    }

    /// Contains `needle`, case-sensitively (`__contains`).
    /// `%`, `_`, `*`, `?`, `[` and `\` match themselves.
    pub fn contains(self, needle: impl IntoValue<String>) -> Q<M>
    where
        T: TextLookup,
    {
        self.text(TextOp::Contains, false, needle.into_value())
    }

    /// Contains `needle`, ignoring case for all of Unicode (`__icontains`).
    pub fn icontains(self, needle: impl IntoValue<String>) -> Q<M>
    where
        T: TextLookup,
    {
        self.text(TextOp::Contains, true, needle.into_value())
    }

    /// Starts with `prefix`, case-sensitively (`__startswith`).
    pub fn startswith(self, prefix: impl IntoValue<String>) -> Q<M>
    where
        T: TextLookup,
    {
        self.text(TextOp::StartsWith, false, prefix.into_value())
    }

    /// Starts with `prefix`, ignoring case (`__istartswith`).
    pub fn istartswith(self, prefix: impl IntoValue<String>) -> Q<M>
    where
        T: TextLookup,
    {
        self.text(TextOp::StartsWith, true, prefix.into_value())
    }

    /// Ends with `suffix`, case-sensitively (`__endswith`).
    pub fn endswith(self, suffix: impl IntoValue<String>) -> Q<M>
    where
        T: TextLookup,
    {
        self.text(TextOp::EndsWith, false, suffix.into_value())
    }

    /// Ends with `suffix`, ignoring case (`__iendswith`).
    pub fn iendswith(self, suffix: impl IntoValue<String>) -> Q<M>
    where
        T: TextLookup,
    {
        self.text(TextOp::EndsWith, true, suffix.into_value())
    }

    /// Matches the regular expression `pattern` somewhere, case-sensitively
    /// (`__regex`; anchor with `^` and `$` to match the whole text). NULL
    /// never matches.
    ///
    /// PostgreSQL runs its own dialect (ARE, with `~`); SQLite runs the
    /// [`regex`](https://docs.rs/regex) crate's. Patterns made of anchors,
    /// classes (`[a-z]`, `\d`, `\w`, `\s`), alternation, groups and
    /// repetition mean the same on both; backreferences and lookaround
    /// exist on PostgreSQL only, and word boundaries are written `\y` there
    /// but `\b` in Rust. An invalid pattern is an `Err` when the query runs
    /// (naming the pattern on SQLite), as is one whose compiled form would
    /// take more than a megabyte.
    ///
    /// ```
    /// # use query::prelude::*;
    /// # #[derive(Model)] pub struct Product { pub id: i64, pub name: String }
    /// # fn main() {
    /// use product::*;
    /// let (sql, _) = Product::objects().filter(name.regex(r"^Sony \d+$")).to_sql_for(Backend::Postgres);
    /// assert!(sql.ends_with(r#"WHERE "name"::text ~ $1"#));
    /// # }
    /// ```
    pub fn regex(self, pattern: impl IntoValue<String>) -> Q<M>
    where
        T: TextLookup,
    {
        self.regex_match(pattern.into_value(), false)
    }

    /// Matches the regular expression `pattern` ignoring case (`__iregex`;
    /// `~*` on PostgreSQL). See [`regex`](Field::regex).
    pub fn iregex(self, pattern: impl IntoValue<String>) -> Q<M>
    where
        T: TextLookup,
    {
        self.regex_match(pattern.into_value(), true)
    }

    fn regex_match(self, pattern: Value, case_insensitive: bool) -> Q<M> {
        Q::from_node(Cond::Regex {
            lhs: self.expr(),
            pattern,
            case_insensitive,
            nullable: T::NULLABLE,
        })
    }

    /// Ascending order: `order_by(price.asc())`.
    pub fn asc(self) -> Order<M> {
        Order::new(self.col(), false)
    }

    /// Descending order: `order_by(price.desc())`, the same as `-price`.
    pub fn desc(self) -> Order<M> {
        Order::new(self.col(), true)
    }

    /// An assignment for [`QuerySet::update`](crate::QuerySet::update):
    /// `qty.set(0)`. An `Option` field takes a value or `None`. An
    /// expression of the same type on the same model is computed by the
    /// database from each row's values: `qty.set(qty + 1)` (Django's
    /// `F("qty") + 1`).
    pub fn set(self, value: impl Operand<M, T>) -> Assignment<M> {
        Assignment {
            column: self.column.name,
            value: value.into_operand().0,
            _marker: PhantomData,
        }
    }
}

impl<M: Model, T: FieldType> Neg for Field<M, T> {
    type Output = Order<M>;
    /// `-price` is `price.desc()`, like Django's `order_by("-price")`.
    fn neg(self) -> Order<M> {
        self.desc()
    }
}

/// One `ORDER BY` term of model `M`.
pub struct Order<M> {
    pub(crate) column: Column,
    pub(crate) desc: bool,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Order<M> {
    fn new(column: Column, desc: bool) -> Self {
        Order {
            column,
            desc,
            _marker: PhantomData,
        }
    }
}

impl<M> Clone for Order<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for Order<M> {}

impl<M> fmt::Debug for Order<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}",
            if self.desc { "-" } else { "" },
            self.column.name
        )
    }
}

/// What `order_by` takes: a field (ascending), `f.asc()`, `f.desc()`, `-f`,
/// or a tuple of these, all of model `M`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` can't order a `QuerySet<{M}>`",
    label = "not an ordering of `{M}`",
    note = "order by fields of `{M}`: `f`, `f.asc()`, `f.desc()`, `-f`, or a tuple of these"
)]
pub trait IntoOrder<M> {
    /// Appends the terms to `out`.
    fn push_order(self, out: &mut OrderTerms);
}

/// The `ORDER BY` terms being collected by [`IntoOrder`].
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct OrderTerms(pub(crate) Terms);

/// A list of `ORDER BY` terms that holds one term without allocating: most
/// orderings have one.
#[derive(Debug, Clone, Default)]
pub(crate) enum Terms {
    #[default]
    None,
    One(OrderTerm),
    Many(Vec<OrderTerm>),
}

impl Terms {
    pub(crate) fn push(&mut self, term: OrderTerm) {
        *self = match std::mem::take(self) {
            Terms::None => Terms::One(term),
            Terms::One(first) => Terms::Many(vec![first, term]),
            Terms::Many(mut v) => {
                v.push(term);
                Terms::Many(v)
            }
        };
    }

    pub(crate) fn as_slice(&self) -> &[OrderTerm] {
        match self {
            Terms::None => &[],
            Terms::One(t) => std::slice::from_ref(t),
            Terms::Many(v) => v,
        }
    }
}

impl<M> IntoOrder<M> for Order<M> {
    #[inline]
    fn push_order(self, out: &mut OrderTerms) {
        out.0.push(OrderTerm {
            expr: Expr::Column(self.column),
            desc: self.desc,
        });
    }
}

impl<M: Model, T: FieldType> IntoOrder<M> for Field<M, T> {
    #[inline]
    fn push_order(self, out: &mut OrderTerms) {
        self.asc().push_order(out);
    }
}

/// One `SET column = value` of an `update`.
pub struct Assignment<M> {
    pub(crate) column: &'static str,
    pub(crate) value: Expr,
    _marker: PhantomData<fn() -> M>,
}

impl<M> fmt::Debug for Assignment<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {:?}", self.column, self.value)
    }
}

/// What `update` takes: `f.set(v)` or a tuple of them, all of model `M`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an assignment to `{M}`",
    label = "expected `field.set(value)` on a field of `{M}`, or a tuple of them",
    note = "`update(&db, (qty.set(0), enabled.set(true)))`"
)]
pub trait Assignments<M> {
    /// Appends the assignments to `out`.
    fn push_assignments(self, out: &mut Vec<Assignment<M>>);
}

impl<M> Assignments<M> for Assignment<M> {
    fn push_assignments(self, out: &mut Vec<Assignment<M>>) {
        out.push(self);
    }
}

impl<M, A: Assignments<M>> Assignments<M> for Vec<A> {
    fn push_assignments(self, out: &mut Vec<Assignment<M>>) {
        for a in self {
            a.push_assignments(out);
        }
    }
}

macro_rules! tuples {
    ($($name:ident)+) => {
        impl<M, $($name: IntoOrder<M>),+> IntoOrder<M> for ($($name,)+) {
            #[allow(non_snake_case)]
            fn push_order(self, out: &mut OrderTerms) {
                let ($($name,)+) = self;
                $(IntoOrder::<M>::push_order($name, out);)+
            }
        }
        impl<M, $($name: Assignments<M>),+> Assignments<M> for ($($name,)+) {
            #[allow(non_snake_case)]
            fn push_assignments(self, out: &mut Vec<Assignment<M>>) {
                let ($($name,)+) = self;
                $($name.push_assignments(out);)+
            }
        }
    };
}

tuples!(A);
tuples!(A B);
tuples!(A B C);
tuples!(A B C D);
tuples!(A B C D E);
tuples!(A B C D E F);
tuples!(A B C D E F G);
tuples!(A B C D E F G H);
tuples!(A B C D E F G H I);
tuples!(A B C D E F G H I J);
tuples!(A B C D E F G H I J K);
tuples!(A B C D E F G H I J K L);
