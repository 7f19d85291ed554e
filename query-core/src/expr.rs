//! Typed expressions: Django's `F()` arithmetic, and its aggregates
//! (`Count`, `Sum`, `Avg`, `Min`, `Max`).
//!
//! Every expression on the rows of model `M` has a Rust value type: a
//! field's own, or what an operator or aggregate gives. The compiler checks
//! that a lookup or an assignment takes an expression of the field's type
//! ([`Operand`]), and a query set reads each annotation or listed value as
//! its type ([`Columns`]). The expressions build the untyped
//! [`Expr`] of the statement tree.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::backend::Row;
use crate::error::Result;
use crate::model::Model;
use crate::path::{PathLike, Rel, RelPath};
use crate::query::{Field, IntoOrder, OrderTerms, Q};
use crate::tree::{AggregateFunc, BinOp, Cmp, Cond, Expr, OrderTerm};
use crate::types::{FieldType, IntoValue, Nullable, Numeric, Operand, Ordered, Summable};

/// An expression on the rows of model `M`: a field (or a field reached by a
/// relation path), arithmetic on fields and values, a function of a field,
/// an aggregate.
pub trait Expression<M> {
    /// The Rust type of its value.
    type Value: FieldType;
    #[doc(hidden)]
    /// The expression in the statement tree.
    fn to_expr(&self) -> Expr;
    #[doc(hidden)]
    /// Whether its value can be NULL.
    fn can_be_null(&self) -> bool {
        <Self::Value as FieldType>::NULLABLE
    }
}

impl<M: Model, T: FieldType> Expression<M> for Field<M, T> {
    type Value = T;
    #[inline]
    fn to_expr(&self) -> Expr {
        Expr::Column(self.col())
    }
}

impl<M: Model, X: FieldType, T: FieldType<Scalar = X::Scalar>> Operand<M, X> for Field<M, T> {
    #[inline]
    fn into_operand(self) -> (Expr, bool) {
        (self.to_expr(), T::NULLABLE)
    }
}

/// A value computed on each row of model `M`, of Rust type `T`: arithmetic
/// on fields and values (`milliseconds * 100`, Django's
/// `F("milliseconds") * 100`), or a function of a field (`year()`).
///
/// It has the lookups of a field (`eq`, `gt`, `range`, ...), can be listed
/// by `values_list`, annotated, ordered by, and assigned by `set`.
pub struct Computed<M, T> {
    pub(crate) expr: Expr,
    pub(crate) nullable: bool,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Computed<M, T> {
    /// `expr`, of type `T`, NULL when `nullable`.
    pub(crate) fn new(expr: Expr, nullable: bool) -> Self {
        Computed {
            expr,
            nullable,
            _marker: PhantomData,
        }
    }
}

impl<M, T> Clone for Computed<M, T> {
    fn clone(&self) -> Self {
        Computed::new(self.expr.clone(), self.nullable)
    }
}

impl<M, T> fmt::Debug for Computed<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Computed").field(&self.expr).finish()
    }
}

impl<M, T: FieldType> Expression<M> for Computed<M, T> {
    type Value = T;
    fn to_expr(&self) -> Expr {
        self.expr.clone()
    }
    fn can_be_null(&self) -> bool {
        self.nullable || T::NULLABLE
    }
}

impl<M, X: FieldType, T: FieldType<Scalar = X::Scalar>> Operand<M, X> for Computed<M, T> {
    fn into_operand(self) -> (Expr, bool) {
        let nullable = self.can_be_null();
        (self.expr, nullable)
    }
}

/// `l <op> r`, typed as `l`.
fn binary<M, T: FieldType>(
    l: impl Expression<M, Value = T>,
    op: BinOp,
    r: impl Operand<M, T::Scalar>,
) -> Computed<M, T> {
    let (r, r_null) = r.into_operand();
    let nullable = l.can_be_null() || r_null;
    Computed::new(
        Expr::Binary(Box::new(l.to_expr()), op, Box::new(r)),
        nullable,
    )
}

/// `+ - * /` on an expression type, with a value or another expression of
/// the same number type on the right. Integer division truncates and NULL
/// gives NULL, as on PostgreSQL.
macro_rules! arithmetic {
    ([$($g:tt)*] $ty:ty) => {
        arithmetic!(@op [$($g)*] $ty, Add, add, BinOp::Add);
        arithmetic!(@op [$($g)*] $ty, Sub, sub, BinOp::Sub);
        arithmetic!(@op [$($g)*] $ty, Mul, mul, BinOp::Mul);
        arithmetic!(@op [$($g)*] $ty, Div, div, BinOp::Div);
    };
    (@op [$($g:tt)*] $ty:ty, $tr:ident, $method:ident, $op:expr) => {
        impl<$($g)*, R: Operand<M, T::Scalar>> $tr<R> for $ty
        where
            $ty: Expression<M, Value = T>,
            T: Numeric,
        {
            type Output = Computed<M, T>;
            fn $method(self, r: R) -> Computed<M, T> {
                binary(self, $op, r)
            }
        }
    };
}

arithmetic!([M: Model, T: FieldType] Field<M, T>);
arithmetic!([M, T: FieldType] Computed<M, T>);
arithmetic!([M, T: FieldType, A: Clone] Aggregate<M, T, A>);

/// A number on the left: `0 - price`, `100 * qty` (the expression's scalar
/// type must be the number's).
macro_rules! value_left {
    ($($num:ty),*) => {$(
        value_left!(@ops $num, [M: Model, T: FieldType<Scalar = $num>] Field<M, T>);
        value_left!(@ops $num, [M, T: FieldType<Scalar = $num>] Computed<M, T>);
    )*};
    (@ops $num:ty, [$($g:tt)*] $ty:ty) => {
        value_left!(@op $num, [$($g)*] $ty, Add, add, BinOp::Add);
        value_left!(@op $num, [$($g)*] $ty, Sub, sub, BinOp::Sub);
        value_left!(@op $num, [$($g)*] $ty, Mul, mul, BinOp::Mul);
        value_left!(@op $num, [$($g)*] $ty, Div, div, BinOp::Div);
    };
    (@op $num:ty, [$($g:tt)*] $ty:ty, $tr:ident, $method:ident, $op:expr) => {
        impl<$($g)*> $tr<$ty> for $num
        where
            $ty: Expression<M, Value = T>,
            T: Numeric,
        {
            type Output = Computed<M, T>;
            fn $method(self, r: $ty) -> Computed<M, T> {
                let nullable = r.can_be_null();
                let l = Expr::Value(IntoValue::<$num>::into_value(self));
                Computed::new(Expr::Binary(Box::new(l), $op, Box::new(r.to_expr())), nullable)
            }
        }
    };
}

value_left!(i8, i16, i32, i64, u8, u16, u32, f32, f64);

/// An aggregate of the rows of model `M` (or of the rows its relation
/// paths reach), of Rust type `T`: `Count`, `Sum`, `Avg`, `Min`, `Max`.
///
/// In [`aggregate`](crate::QuerySet::aggregate) it sums up the whole query
/// set; in [`annotate`](crate::QuerySet::annotate) each row (each group of
/// `values_list`). It is a plain value, `Copy` when its argument is (a
/// field or a path): build it once, annotate with it, then filter
/// (`HAVING`) and order by the same value.
pub struct Aggregate<M, T, A> {
    func: AggregateFunc,
    distinct: bool,
    arg: A,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T, A: Clone> Clone for Aggregate<M, T, A> {
    fn clone(&self) -> Self {
        Aggregate {
            func: self.func,
            distinct: self.distinct,
            arg: self.arg.clone(),
            _marker: PhantomData,
        }
    }
}
impl<M, T, A: Copy> Copy for Aggregate<M, T, A> {}

impl<M, T, A> fmt::Debug for Aggregate<M, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}({})",
            self.func.sql(),
            if self.distinct { "DISTINCT .." } else { ".." }
        )
    }
}

impl<M, T, A> Aggregate<M, T, A> {
    fn new(func: AggregateFunc, arg: A) -> Self {
        Aggregate {
            func,
            distinct: false,
            arg,
            _marker: PhantomData,
        }
    }

    /// Each distinct value once: `COUNT(DISTINCT x)` (Django's
    /// `Count("x", distinct=True)`).
    pub fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }
}

/// What an aggregate can take: an expression, or (for `Count`) a relation
/// path, which counts the related rows.
#[diagnostic::on_unimplemented(
    message = "`{Self}` can't be aggregated over the rows of `{M}`",
    label = "not a field, expression or relation path of `{M}`",
    note = "aggregate a field, an expression or (for `Count`) a relation path that starts at `{M}`"
)]
pub trait AggregateArg<M> {
    #[doc(hidden)]
    /// The aggregated expression.
    fn arg_expr(&self) -> Expr;
}

impl<M: Model, T: FieldType> AggregateArg<M> for Field<M, T> {
    fn arg_expr(&self) -> Expr {
        self.to_expr()
    }
}

impl<M, T: FieldType> AggregateArg<M> for Computed<M, T> {
    fn arg_expr(&self) -> Expr {
        self.to_expr()
    }
}

/// A relation path counts the rows it reaches (their keys: `COUNT("T1"."id")`).
impl<R: RelPath> AggregateArg<<R::P as PathLike>::Root> for R {
    fn arg_expr(&self) -> Expr {
        Expr::Column(Rel::<R::P>::key_column())
    }
}

impl<M, T: FieldType, A: AggregateArg<M>> Expression<M> for Aggregate<M, T, A> {
    type Value = T;
    fn to_expr(&self) -> Expr {
        let agg = Expr::Aggregate {
            func: self.func,
            arg: Some(Box::new(self.arg.arg_expr())),
            distinct: self.distinct,
        };
        // What each database gives differs (`SUM` of a PostgreSQL
        // `bigint` is `numeric`, `AVG` of integers too): read as the type.
        match self.func {
            AggregateFunc::Sum | AggregateFunc::Avg => {
                Expr::Cast(Box::new(agg), <T as FieldType>::SQL_TYPE)
            }
            _ => agg,
        }
    }
}

impl<M, X: FieldType, T: FieldType<Scalar = X::Scalar>, A: AggregateArg<M>> Operand<M, X>
    for Aggregate<M, T, A>
{
    fn into_operand(self) -> (Expr, bool) {
        let nullable = self.can_be_null();
        (self.to_expr(), nullable)
    }
}

/// The number of rows (`COUNT`), or of rows where the expression is not
/// NULL; with a relation path, the number of related rows (0 when none, as
/// the join is `LEFT OUTER`). Django's `Count`. Never NULL.
#[allow(non_snake_case)]
pub fn Count<M, A: AggregateArg<M>>(arg: A) -> Aggregate<M, i64, A> {
    Aggregate::new(AggregateFunc::Count, arg)
}

/// The sum (`SUM`): `i64` for integers, `f64` for floats; `None` for no
/// rows (or only NULLs), as in Django.
#[allow(non_snake_case)]
pub fn Sum<M, E>(
    e: E,
) -> Aggregate<M, Option<<<E::Value as FieldType>::Scalar as Summable>::Sum>, E>
where
    E: Expression<M> + AggregateArg<M>,
    <E::Value as FieldType>::Scalar: Summable,
{
    Aggregate::new(AggregateFunc::Sum, e)
}

/// The mean (`AVG`), as `f64`; `None` for no rows.
#[allow(non_snake_case)]
pub fn Avg<M, E>(e: E) -> Aggregate<M, Option<f64>, E>
where
    E: Expression<M> + AggregateArg<M>,
    E::Value: Numeric,
{
    Aggregate::new(AggregateFunc::Avg, e)
}

/// The least value (`MIN`); `None` for no rows.
#[allow(non_snake_case)]
pub fn Min<M, E>(e: E) -> Aggregate<M, Option<<E::Value as FieldType>::Scalar>, E>
where
    E: Expression<M> + AggregateArg<M>,
    E::Value: Ordered,
{
    Aggregate::new(AggregateFunc::Min, e)
}

/// The greatest value (`MAX`); `None` for no rows.
#[allow(non_snake_case)]
pub fn Max<M, E>(e: E) -> Aggregate<M, Option<<E::Value as FieldType>::Scalar>, E>
where
    E: Expression<M> + AggregateArg<M>,
    E::Value: Ordered,
{
    Aggregate::new(AggregateFunc::Max, e)
}

/// One `ORDER BY` term on an expression (an aggregate, arithmetic): what
/// `-n_albums` and `n_albums.desc()` give.
pub struct ExprOrder<M> {
    pub(crate) expr: Expr,
    pub(crate) desc: bool,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Clone for ExprOrder<M> {
    fn clone(&self) -> Self {
        ExprOrder {
            expr: self.expr.clone(),
            desc: self.desc,
            _marker: PhantomData,
        }
    }
}

impl<M> fmt::Debug for ExprOrder<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:?}", if self.desc { "-" } else { "" }, self.expr)
    }
}

impl<M> IntoOrder<M> for ExprOrder<M> {
    fn push_order(self, out: &mut OrderTerms) {
        out.0.push(OrderTerm {
            expr: self.expr,
            desc: self.desc,
        });
    }
}

/// The lookups of a field, on an expression (`year().eq(2010)`,
/// `n_albums.gte(5)`); ordering by it (`-e`, `e.asc()`, `e.desc()`).
macro_rules! lookups {
    ([$($g:tt)*] $ty:ty) => {
        impl<$($g)*> $ty
        where
            $ty: Expression<M, Value = T>,
        {
            fn cmp_with(&self, op: Cmp, rhs: impl Operand<M, T::Scalar>) -> Q<M> {
                let (rhs, rhs_null) = rhs.into_operand();
                Q::from_node(Cond::Cmp {
                    lhs: self.to_expr(),
                    op,
                    rhs,
                    nullable: self.can_be_null() || rhs_null,
                })
            }

            /// Equal (`__exact`); NULL never matches.
            pub fn eq(&self, value: impl Operand<M, T::Scalar>) -> Q<M> {
                self.cmp_with(Cmp::Eq, value)
            }

            /// Not equal: `!e.eq(value)`, NULL included.
            pub fn ne(&self, value: impl Operand<M, T::Scalar>) -> Q<M> {
                self.cmp_with(Cmp::Ne, value)
            }

            /// Greater than (`__gt`).
            pub fn gt(&self, value: impl Operand<M, T::Scalar>) -> Q<M>
            where
                T: Ordered,
            {
                self.cmp_with(Cmp::Gt, value)
            }

            /// Greater than or equal (`__gte`).
            pub fn gte(&self, value: impl Operand<M, T::Scalar>) -> Q<M>
            where
                T: Ordered,
            {
                self.cmp_with(Cmp::Gte, value)
            }

            /// Less than (`__lt`).
            pub fn lt(&self, value: impl Operand<M, T::Scalar>) -> Q<M>
            where
                T: Ordered,
            {
                self.cmp_with(Cmp::Lt, value)
            }

            /// Less than or equal (`__lte`).
            pub fn lte(&self, value: impl Operand<M, T::Scalar>) -> Q<M>
            where
                T: Ordered,
            {
                self.cmp_with(Cmp::Lte, value)
            }

            /// `lo <= e <= hi` (`__range`).
            pub fn range(&self, lo: impl IntoValue<T::Scalar>, hi: impl IntoValue<T::Scalar>) -> Q<M>
            where
                T: Ordered,
            {
                Q::from_node(Cond::Range {
                    lhs: self.to_expr(),
                    lo: lo.into_value(),
                    hi: hi.into_value(),
                    nullable: self.can_be_null(),
                })
            }

            /// Among the values (`__in`); an empty list matches nothing.
            pub fn is_in<I>(&self, values: I) -> Q<M>
            where
                I: IntoIterator,
                I::Item: IntoValue<T::Scalar>,
            {
                Q::from_node(Cond::In {
                    lhs: self.to_expr(),
                    values: values.into_iter().map(IntoValue::into_value).collect(),
                    nullable: self.can_be_null(),
                })
            }

            /// NULL (`__isnull`); only where the value can be NULL.
            pub fn isnull(&self, is_null: bool) -> Q<M>
            where
                T: Nullable,
            {
                Q::from_node(Cond::IsNull {
                    lhs: self.to_expr(),
                    is_null,
                })
            }

            /// Ascending order.
            pub fn asc(&self) -> ExprOrder<M> {
                ExprOrder {
                    expr: self.to_expr(),
                    desc: false,
                    _marker: PhantomData,
                }
            }

            /// Descending order, the same as `-e`.
            pub fn desc(&self) -> ExprOrder<M> {
                ExprOrder {
                    expr: self.to_expr(),
                    desc: true,
                    _marker: PhantomData,
                }
            }
        }

        impl<$($g)*> Neg for $ty
        where
            $ty: Expression<M, Value = T>,
        {
            type Output = ExprOrder<M>;
            /// Descending order (`order_by(-n_albums)`): unary minus is
            /// ordering, as in Django's `"-field"`; write `0 - e` to negate.
            fn neg(self) -> ExprOrder<M> {
                self.desc()
            }
        }

        impl<$($g)*> IntoOrder<M> for $ty
        where
            $ty: Expression<M, Value = T>,
        {
            fn push_order(self, out: &mut OrderTerms) {
                self.asc().push_order(out);
            }
        }
    };
}

lookups!([M, T: FieldType] Computed<M, T>);
lookups!([M, T: FieldType, A: AggregateArg<M>] Aggregate<M, T, A>);

/// What `values_list`, `annotate` and `aggregate` take: one expression
/// (a field, a path's field, arithmetic, an aggregate) or a tuple of them,
/// each read back as its own type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an expression, or a tuple of expressions, on `{M}`",
    label = "expected fields, expressions or aggregates of `{M}`",
    note = "pass one expression (`genre::name`, `Count(artist::albums)`) or a tuple of them, all starting at `{M}`"
)]
pub trait Columns<M> {
    /// What one row gives: the value (one expression) or a tuple of values.
    type Out;
    /// `(P, values...)`: the values after `P` (a model, or listed values).
    type After<P>;
    /// The number of columns.
    const LEN: usize;
    #[doc(hidden)]
    /// Appends the expressions.
    fn push_exprs(&self, out: &mut Vec<Expr>);
    #[doc(hidden)]
    /// Reads the values from column `at` on.
    fn read(row: &Row<'_>, at: usize) -> Result<Self::Out>;
    #[doc(hidden)]
    /// Reads the values from column `at` on, after `p`.
    fn read_after<P>(p: P, row: &Row<'_>, at: usize) -> Result<Self::After<P>>;
}

/// An aggregate, or a tuple of aggregates: what
/// [`aggregate`](crate::QuerySet::aggregate) takes.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an aggregate, or a tuple of aggregates, of `{M}`",
    label = "expected `Count(..)`, `Sum(..)`, `Avg(..)`, `Min(..)`, `Max(..)` or a tuple of them",
    note = "`aggregate` sums up the whole query set; to add a value to each row, use `annotate`"
)]
pub trait Aggregates<M>: Columns<M> {
    #[doc(hidden)]
    /// The values of no rows at all (`Count` 0, the others `None`): what
    /// `none().aggregate(..)` gives without a statement.
    fn empty() -> Self::Out;
}

/// What an aggregate gives: `i64` (`Count`) or an `Option`, with its value
/// for no rows.
pub trait AggregateValue: FieldType {
    #[doc(hidden)]
    /// The value for no rows.
    fn empty() -> Self;
}

impl AggregateValue for i64 {
    fn empty() -> Self {
        0
    }
}

impl<S: crate::types::Scalar> AggregateValue for Option<S> {
    fn empty() -> Self {
        None
    }
}

macro_rules! single_column {
    ([$($g:tt)*] $ty:ty) => {
        impl<$($g)*> Columns<M> for $ty
        where
            $ty: Expression<M, Value = T>,
        {
            type Out = T;
            type After<P> = (P, T);
            const LEN: usize = 1;
            fn push_exprs(&self, out: &mut Vec<Expr>) {
                out.push(self.to_expr());
            }
            fn read(row: &Row<'_>, at: usize) -> Result<T> {
                T::read(row, at)
            }
            fn read_after<P>(p: P, row: &Row<'_>, at: usize) -> Result<(P, T)> {
                Ok((p, T::read(row, at)?))
            }
        }
    };
}

single_column!([M: Model, T: FieldType] Field<M, T>);
single_column!([M, T: FieldType] Computed<M, T>);
single_column!([M, T: FieldType, A: AggregateArg<M>] Aggregate<M, T, A>);

impl<M, T: AggregateValue, A: AggregateArg<M>> Aggregates<M> for Aggregate<M, T, A> {
    fn empty() -> T {
        T::empty()
    }
}

macro_rules! tuple_columns {
    ($($name:ident $idx:tt),+) => {
        impl<M, $($name: Columns<M> + Expression<M>),+> Columns<M> for ($($name,)+) {
            type Out = ($(<$name as Expression<M>>::Value,)+);
            type After<P> = (P, $(<$name as Expression<M>>::Value,)+);
            const LEN: usize = [$($idx),+].len();
            fn push_exprs(&self, out: &mut Vec<Expr>) {
                $(out.push(self.$idx.to_expr());)+
            }
            fn read(row: &Row<'_>, at: usize) -> Result<Self::Out> {
                Ok(($(<<$name as Expression<M>>::Value as FieldType>::read(row, at + $idx)?,)+))
            }
            fn read_after<P>(p: P, row: &Row<'_>, at: usize) -> Result<Self::After<P>> {
                Ok((p, $(<<$name as Expression<M>>::Value as FieldType>::read(row, at + $idx)?,)+))
            }
        }
        impl<M, $($name: Aggregates<M> + Expression<M>),+> Aggregates<M> for ($($name,)+)
        where
            $(<$name as Expression<M>>::Value: AggregateValue,)+
        {
            fn empty() -> Self::Out {
                ($(<<$name as Expression<M>>::Value as AggregateValue>::empty(),)+)
            }
        }
    };
}

tuple_columns!(A 0);
tuple_columns!(A 0, B 1);
tuple_columns!(A 0, B 1, C 2);
tuple_columns!(A 0, B 1, C 2, D 3);
tuple_columns!(A 0, B 1, C 2, D 3, E 4);
tuple_columns!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_columns!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_columns!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
