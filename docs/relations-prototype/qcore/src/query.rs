//! `Field`, `Q`, orderings: the real crate's `query.rs`, with `Field`
//! carrying an optional path. Every lookup is written once, here; a field
//! at the end of a path is a `Field<Root, Folded<P, T>>` like any other.

use std::marker::PhantomData;
use std::ops::{BitAnd, BitOr, Neg, Not};

use crate::tree::{Cmp, Column, Cond, Expr, TextOp};
use crate::types::{FieldType, IntoValue, Nullable, Ordered, TextLookup};

/// A typed column of model `M` whose Rust type is `T`, possibly at the end
/// of a path (then `M` is the path's root and `T` is folded).
pub struct Field<M, T> {
    pub(crate) col: Column,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Field<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for Field<M, T> {}

impl<M, T> Field<M, T> {
    /// Used by the derive for the model's own fields.
    pub const fn new(index: usize, column: &'static str) -> Self {
        Self::from_column(Column { path: None, name: column, field: index })
    }
    pub(crate) const fn from_column(col: Column) -> Self {
        Field { col, _marker: PhantomData }
    }
    pub fn column(&self) -> Column {
        self.col
    }
}

pub struct Q<M> {
    pub node: Cond,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Q<M> {
    pub fn new() -> Self {
        Q::from_node(Cond::Empty)
    }
    pub(crate) fn from_node(node: Cond) -> Self {
        Q { node, _marker: PhantomData }
    }
}

impl<M> std::fmt::Debug for Q<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a condition on `{M}`",
    label = "this condition is not on `{M}`",
    note = "a condition on `{M}` uses the fields of `{M}`, or paths that start at `{M}`"
)]
pub trait Condition<M> {
    fn into_q(self) -> Q<M>;
}
impl<M> Condition<M> for Q<M> {
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
        Q::from_node(Cond::Not(Box::new(self.node)))
    }
}

impl<M, T: FieldType> Field<M, T> {
    fn lhs(self) -> Expr {
        Expr::Column(self.col)
    }
    fn cmp(self, op: Cmp, v: crate::tree::Value) -> Q<M> {
        Q::from_node(Cond::Cmp { lhs: self.lhs(), op, rhs: Expr::Value(v), nullable: T::NULLABLE })
    }
    fn text(self, op: TextOp, ci: bool, needle: crate::tree::Value) -> Q<M> {
        Q::from_node(Cond::Text { lhs: self.lhs(), op, ci, needle, nullable: T::NULLABLE })
    }
    pub fn eq(self, v: impl IntoValue<T::Scalar>) -> Q<M> {
        self.cmp(Cmp::Eq, v.into_value())
    }
    pub fn ne(self, v: impl IntoValue<T::Scalar>) -> Q<M> {
        self.cmp(Cmp::Ne, v.into_value())
    }
    pub fn gt(self, v: impl IntoValue<T::Scalar>) -> Q<M>
    where
        T: Ordered,
    {
        self.cmp(Cmp::Gt, v.into_value())
    }
    pub fn gte(self, v: impl IntoValue<T::Scalar>) -> Q<M>
    where
        T: Ordered,
    {
        self.cmp(Cmp::Gte, v.into_value())
    }
    pub fn lt(self, v: impl IntoValue<T::Scalar>) -> Q<M>
    where
        T: Ordered,
    {
        self.cmp(Cmp::Lt, v.into_value())
    }
    pub fn lte(self, v: impl IntoValue<T::Scalar>) -> Q<M>
    where
        T: Ordered,
    {
        self.cmp(Cmp::Lte, v.into_value())
    }
    /// Compare with another field (of the same root): `F()` expressions.
    pub fn lt_field<U: FieldType<Scalar = T::Scalar>>(self, other: Field<M, U>) -> Q<M> {
        Q::from_node(Cond::Cmp {
            lhs: self.lhs(),
            op: Cmp::Lt,
            rhs: other.lhs(),
            nullable: T::NULLABLE || U::NULLABLE,
        })
    }
    pub fn is_in<I>(self, values: I) -> Q<M>
    where
        I: IntoIterator,
        I::Item: IntoValue<T::Scalar>,
    {
        Q::from_node(Cond::In {
            lhs: self.lhs(),
            values: values.into_iter().map(IntoValue::into_value).collect(),
            nullable: T::NULLABLE,
        })
    }
    pub fn isnull(self, is_null: bool) -> Q<M>
    where
        T: Nullable,
    {
        Q::from_node(Cond::IsNull { lhs: self.lhs(), is_null })
    }
    pub fn iexact(self, s: impl IntoValue<String>) -> Q<M>
    where
        T: TextLookup,
    {
        self.text(TextOp::IExact, true, s.into_value())
    }
    pub fn contains(self, s: impl IntoValue<String>) -> Q<M>
    where
        T: TextLookup,
    {
        self.text(TextOp::Contains, false, s.into_value())
    }
    pub fn icontains(self, s: impl IntoValue<String>) -> Q<M>
    where
        T: TextLookup,
    {
        self.text(TextOp::Contains, true, s.into_value())
    }
    pub fn startswith(self, s: impl IntoValue<String>) -> Q<M>
    where
        T: TextLookup,
    {
        self.text(TextOp::StartsWith, false, s.into_value())
    }
    pub fn asc(self) -> Order<M> {
        Order { col: self.col, desc: false, _marker: PhantomData }
    }
    pub fn desc(self) -> Order<M> {
        Order { col: self.col, desc: true, _marker: PhantomData }
    }
}

impl<M, T: FieldType> Neg for Field<M, T> {
    type Output = Order<M>;
    fn neg(self) -> Order<M> {
        self.desc()
    }
}

pub struct Order<M> {
    pub(crate) col: Column,
    pub(crate) desc: bool,
    _marker: PhantomData<fn() -> M>,
}

#[diagnostic::on_unimplemented(
    message = "`{Self}` can't order a `QuerySet<{M}>`",
    label = "not an ordering of `{M}`"
)]
pub trait IntoOrder<M> {
    fn push_order(self, out: &mut Vec<(Column, bool)>);
}
impl<M> IntoOrder<M> for Order<M> {
    fn push_order(self, out: &mut Vec<(Column, bool)>) {
        out.push((self.col, self.desc));
    }
}
impl<M, T: FieldType> IntoOrder<M> for Field<M, T> {
    fn push_order(self, out: &mut Vec<(Column, bool)>) {
        out.push((self.col, false));
    }
}
impl<M, A: IntoOrder<M>, B: IntoOrder<M>> IntoOrder<M> for (A, B) {
    fn push_order(self, out: &mut Vec<(Column, bool)>) {
        self.0.push_order(out);
        self.1.push_order(out);
    }
}
