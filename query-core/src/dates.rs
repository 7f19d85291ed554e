//! Date functions on date and datetime fields (Django's `__year`,
//! `__month`, `__day`, `__week_day`, `__quarter`, `__date` transforms), and
//! [`QuerySet::dates`].
//!
//! Each is a [`Computed`] value with the lookups of a number (or of a
//! date, for `date()`): `invoice_date.year().eq(2010)`,
//! `invoice_date.month().is_in([1, 2])`; it can be listed by `values_list`,
//! grouped by, annotated and ordered by. A `DateTime<Utc>` is read in UTC,
//! whatever the PostgreSQL session's time zone.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::expr::{Computed, Expression};
use crate::model::Model;
use crate::query::{Field, Q};
use crate::queryset::{QuerySet, Values};
use crate::tree::{Cond, DatePart, Expr, ExtractPart, Func};
use crate::types::FieldType;

/// Date and datetime field types (and `Option`s of them), for the date
/// functions: what a part of the date and the date itself are typed as
/// (`i32` and `NaiveDate`, or `Option`s of them for an `Option` field,
/// which give `None` for NULL).
#[diagnostic::on_unimplemented(
    message = "date functions need a date or datetime field, but this field is `{Self}`",
    label = "not a date or datetime field",
    note = "`year()`, `month()`, `day()`, `week_day()` and `quarter()` work on `NaiveDate`, `NaiveDateTime` and `DateTime<Utc>` fields (and `Option`s of them)"
)]
pub trait DateLike: FieldType {
    /// A part of the date (`year()`): `i32`, or `Option<i32>`.
    type Part: FieldType;
    /// The date (`date()`): `NaiveDate`, or `Option<NaiveDate>`.
    type Date: FieldType;
    #[doc(hidden)]
    /// Whether the value is an instant (`DateTime<Utc>`), read in UTC.
    const INSTANT: bool;
}

/// Datetime field types (and `Option`s of them), for `date()`.
#[diagnostic::on_unimplemented(
    message = "`date()` needs a datetime field, but this field is `{Self}`",
    label = "not a datetime field",
    note = "`date()` works on `NaiveDateTime` and `DateTime<Utc>` fields (and `Option`s of them); a date field is its own date"
)]
pub trait DateTimeLike: DateLike {}

macro_rules! date_like {
    ($($ty:ty => $instant:expr, $datetime:tt;)*) => {$(
        impl DateLike for $ty {
            type Part = i32;
            type Date = NaiveDate;
            const INSTANT: bool = $instant;
        }
        impl DateLike for Option<$ty> {
            type Part = Option<i32>;
            type Date = Option<NaiveDate>;
            const INSTANT: bool = $instant;
        }
        date_like!(@datetime $datetime $ty);
    )*};
    (@datetime true $ty:ty) => {
        impl DateTimeLike for $ty {}
        impl DateTimeLike for Option<$ty> {}
    };
    (@datetime false $ty:ty) => {};
}

date_like! {
    NaiveDate => false, false;
    NaiveDateTime => false, true;
    DateTime<Utc> => true, true;
}

/// `e`, or `e AT TIME ZONE 'UTC'` for an instant: what the date functions
/// take.
fn date_arg<M, E: Expression<M>>(e: &E) -> Expr
where
    E::Value: DateLike,
{
    let expr = e.to_expr();
    if <E::Value as DateLike>::INSTANT {
        Expr::Func(Func::AtUtc, vec![expr])
    } else {
        expr
    }
}

/// `func(e)`, typed `T`, NULL when `e` is.
fn call<M, E: Expression<M>, T>(e: &E, func: Func) -> Computed<M, T>
where
    E::Value: DateLike,
{
    Computed::new(Expr::Func(func, vec![date_arg(e)]), e.can_be_null())
}

/// The date functions, on a field (or a path's field) and on a computed
/// date (`date()`'s).
macro_rules! date_functions {
    ([$($g:tt)*] $ty:ty) => {
        impl<$($g)*> $ty
        where
            $ty: Expression<M, Value = T>,
        {
            /// The year (`__year`): `invoice_date.year().eq(2010)`.
            ///
            /// SQL: `CAST(EXTRACT(YEAR FROM x) AS integer)` on PostgreSQL,
            /// `CAST(strftime('%Y', x) AS INTEGER)` on SQLite.
            pub fn year(&self) -> Computed<M, T::Part> {
                call(self, Func::Extract(ExtractPart::Year))
            }

            /// The month, 1 to 12 (`__month`).
            pub fn month(&self) -> Computed<M, T::Part> {
                call(self, Func::Extract(ExtractPart::Month))
            }

            /// The day of the month, 1 to 31 (`__day`).
            pub fn day(&self) -> Computed<M, T::Part> {
                call(self, Func::Extract(ExtractPart::Day))
            }

            /// The day of the week, Django's way: 1 = Sunday .. 7 =
            /// Saturday (`__week_day`).
            pub fn week_day(&self) -> Computed<M, T::Part> {
                call(self, Func::Extract(ExtractPart::WeekDay))
            }

            /// The quarter of the year, 1 to 4 (`__quarter`).
            pub fn quarter(&self) -> Computed<M, T::Part> {
                call(self, Func::Extract(ExtractPart::Quarter))
            }
        }
    };
}

date_functions!([M: Model, T: DateLike] Field<M, T>);
date_functions!([M, T: DateLike] Computed<M, T>);

impl<M: Model, T: DateTimeLike> Field<M, T> {
    /// The date of a datetime, in UTC (`__date`):
    /// `created.date().eq(NaiveDate::from_ymd_opt(2010, 1, 31).unwrap())`.
    ///
    /// SQL: `CAST(x AS date)` on PostgreSQL (`x AT TIME ZONE 'UTC'` first
    /// for a `DateTime<Utc>`), `date(x)` on SQLite.
    pub fn date(self) -> Computed<M, T::Date> {
        call(&self, Func::ToDate)
    }
}

impl<M: Model> QuerySet<M> {
    /// The distinct dates of a date or datetime field, each truncated to
    /// the first day of its year, month or day (`kind`), ascending, NULLs
    /// left out: Django's `dates()`. A `DateTime<Utc>` is truncated in UTC.
    ///
    /// ```
    /// # use query::prelude::*;
    /// # use chrono::NaiveDate;
    /// # #[derive(Model)] pub struct Invoice { pub id: i64, pub invoice_date: Option<NaiveDate> }
    /// # fn main() -> query::Result<()> {
    /// # let db = Db::open_in_memory()?;
    /// # db.create_table::<Invoice>()?;
    /// let months: Vec<NaiveDate> = Invoice::objects().dates(invoice::invoice_date, DatePart::Month).all(&db)?;
    /// let (sql, _) = Invoice::objects().dates(invoice::invoice_date, DatePart::Month).to_sql();
    /// assert_eq!(
    ///     sql,
    ///     r#"SELECT DISTINCT date("invoice_date", 'start of month') FROM "invoice" WHERE "invoice_date" IS NOT NULL ORDER BY date("invoice_date", 'start of month')"#
    /// );
    /// # let _ = months;
    /// # Ok(())
    /// # }
    /// ```
    pub fn dates<T: DateLike>(
        self,
        field: Field<M, T>,
        kind: DatePart,
    ) -> QuerySet<M, Values<Computed<M, NaiveDate>>> {
        // NULLs are left out, so the truncated date never is NULL.
        let truncated = Computed::<M, NaiveDate>::new(
            Expr::Func(Func::Trunc(kind), vec![date_arg(&field)]),
            false,
        );
        let qs = if T::NULLABLE {
            self.filter(Q::<M>::from_node(Cond::IsNull {
                lhs: field.to_expr(),
                is_null: false,
            }))
        } else {
            self
        };
        qs.values_list(truncated.clone())
            .distinct()
            .order_by(truncated.asc())
    }
}
