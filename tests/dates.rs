//! Date functions (`year()`, `month()`, `day()`, `week_day()`,
//! `quarter()`, `date()`), `QuerySet::dates`, and the `regex` / `iregex`
//! lookups, on both backends.
//!
//! The expected values are computed in Rust with chrono from the rows
//! seeded, so the databases' answers are checked against an independent
//! oracle, not against each other.

mod common;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use common::*;
use query::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: i64,
    pub name: String,
    pub since: NaiveDate,
    pub nickname: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Invoice {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub customer: ForeignKey<Customer>,
    pub invoice_date: NaiveDate,
    pub paid_on: Option<NaiveDate>,
    pub created: NaiveDateTime,
    pub sent_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub code: String,
    pub note: Option<String>,
}

fn customer(db: &Db, name: &str, since: NaiveDate, nickname: Option<&str>) -> Result<Customer> {
    Customer::objects().create(
        db,
        Customer {
            id: 0,
            name: name.into(),
            since,
            nickname: nickname.map(Into::into),
        },
    )
}

/// Six invoices over 2009..2011, with NULLs in every `Option` field
/// somewhere, instants on either side of midnight UTC, and a datetime
/// with microseconds.
fn seed(db: &Db) -> Result<Vec<Invoice>> {
    db.create_table::<Customer>()?;
    db.create_table::<Invoice>()?;
    let old = customer(db, "Old Timer", date(2005, 3, 14), Some("OT"))?;
    let new = customer(db, "Newcomer", date(2010, 11, 2), None)?;
    #[allow(clippy::type_complexity)]
    let rows: [(
        &Customer,
        NaiveDate,
        Option<NaiveDate>,
        NaiveDateTime,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        &str,
        Option<&str>,
    ); 6] = [
        (
            &old,
            date(2009, 12, 31),
            Some(date(2010, 1, 4)),
            datetime(2009, 12, 31, 23, 59, 59),
            utc(2009, 12, 31, 23, 30, 0),
            None,
            "INV-2009-001",
            Some("paid late"),
        ),
        (
            &old,
            date(2010, 1, 31),
            None,
            datetime(2010, 1, 31, 0, 0, 0) + chrono::Duration::microseconds(123_456),
            utc(2010, 2, 1, 0, 15, 0),
            Some(utc(2010, 2, 3, 12, 0, 0)),
            "INV-2010-002",
            None,
        ),
        (
            &old,
            date(2010, 2, 14),
            Some(date(2010, 3, 1)),
            datetime(2010, 2, 14, 12, 0, 0),
            utc(2010, 2, 14, 9, 0, 0),
            Some(utc(2010, 12, 31, 23, 59, 0)),
            "inv-2010-003",
            Some("Rush ORDER"),
        ),
        (
            &new,
            date(2010, 5, 20),
            Some(date(2010, 6, 30)),
            datetime(2010, 5, 20, 8, 30, 0),
            utc(2010, 5, 20, 8, 30, 0),
            None,
            "INV-2010-004",
            Some("rush order"),
        ),
        (
            &new,
            date(2010, 11, 6),
            None,
            datetime(2010, 11, 6, 18, 45, 0),
            utc(2010, 11, 7, 1, 0, 0),
            Some(utc(2011, 1, 1, 0, 0, 0)),
            "CRN-2010-005",
            None,
        ),
        (
            &new,
            date(2011, 7, 9),
            Some(date(2011, 7, 9)),
            datetime(2011, 7, 9, 6, 0, 0),
            utc(2011, 7, 9, 6, 0, 0),
            None,
            "INV 2011 6",
            Some("a\nb"),
        ),
    ];
    rows.into_iter()
        .map(|(c, d, paid, created, sent, reviewed, code, note)| {
            Invoice::objects().create(
                db,
                Invoice {
                    id: 0,
                    customer: c.into(),
                    invoice_date: d,
                    paid_on: paid,
                    created,
                    sent_at: sent,
                    reviewed_at: reviewed,
                    code: code.into(),
                    note: note.map(Into::into),
                },
            )
        })
        .collect()
}

/// Django's week_day: 1 = Sunday .. 7 = Saturday.
fn week_day(d: impl Datelike) -> i32 {
    d.weekday().num_days_from_sunday() as i32 + 1
}

fn quarter(d: impl Datelike) -> i32 {
    (d.month() as i32 + 2) / 3
}

/// (year, month, day, week_day, quarter) of a date.
fn parts(d: impl Datelike + Copy) -> (i32, i32, i32, i32, i32) {
    (
        d.year(),
        d.month() as i32,
        d.day() as i32,
        week_day(d),
        quarter(d),
    )
}

/// On PostgreSQL, a session time zone far from UTC: the date functions of
/// a `DateTime<Utc>` must still be UTC's.
fn far_time_zone(db: &Db) -> Result<()> {
    if db.backend() == Backend::Postgres {
        db.execute_batch("SET TIME ZONE 'Asia/Tokyo'")?;
    }
    Ok(())
}

#[test]
fn parts_of_dates_datetimes_and_instants_match_chrono() -> Result<()> {
    each_empty_db(|db| {
        let rows = seed(db)?;
        far_time_zone(db)?;
        use invoice::*;
        let by_id = || Invoice::objects().order_by(id);

        let got: Vec<(i32, i32, i32, i32, i32)> = by_id()
            .values_list((
                invoice_date.year(),
                invoice_date.month(),
                invoice_date.day(),
                invoice_date.week_day(),
                invoice_date.quarter(),
            ))
            .all(db)?;
        let want: Vec<_> = rows.iter().map(|r| parts(r.invoice_date)).collect();
        assert_eq!(got, want, "date field");

        let got: Vec<(i32, i32, i32, i32, i32)> = by_id()
            .values_list((
                created.year(),
                created.month(),
                created.day(),
                created.week_day(),
                created.quarter(),
            ))
            .all(db)?;
        let want: Vec<_> = rows.iter().map(|r| parts(r.created)).collect();
        assert_eq!(got, want, "datetime field (with microseconds)");

        // In UTC: 2009-12-31 23:30 UTC is already 2010 in Tokyo.
        let got: Vec<(i32, i32, i32, i32, i32)> = by_id()
            .values_list((
                sent_at.year(),
                sent_at.month(),
                sent_at.day(),
                sent_at.week_day(),
                sent_at.quarter(),
            ))
            .all(db)?;
        let want: Vec<_> = rows.iter().map(|r| parts(r.sent_at)).collect();
        assert_eq!(got, want, "DateTime<Utc> field, read in UTC");
        assert_eq!(want[0].0, 2009);

        // Option fields give Option parts: None for NULL.
        let got: Vec<(Option<i32>, Option<i32>, Option<i32>)> = by_id()
            .values_list((paid_on.year(), reviewed_at.month(), reviewed_at.week_day()))
            .all(db)?;
        let want: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.paid_on.map(|d| d.year()),
                    r.reviewed_at.map(|d| d.month() as i32),
                    r.reviewed_at.map(week_day),
                )
            })
            .collect();
        assert_eq!(got, want, "Option fields");

        // date() of datetimes, in UTC for instants; Option for Option.
        let got: Vec<(NaiveDate, NaiveDate, Option<NaiveDate>)> = by_id()
            .values_list((created.date(), sent_at.date(), reviewed_at.date()))
            .all(db)?;
        let want: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.created.date(),
                    r.sent_at.date_naive(),
                    r.reviewed_at.map(|t| t.date_naive()),
                )
            })
            .collect();
        assert_eq!(got, want, "date()");
        Ok(())
    })
}

/// The ids of the rows for which `keep` holds, in order.
fn ids_where(rows: &[Invoice], keep: impl Fn(&Invoice) -> bool) -> Vec<i64> {
    rows.iter().filter(|r| keep(r)).map(|r| r.id).collect()
}

fn ids(db: &Db, qs: QuerySet<Invoice>) -> Result<Vec<i64>> {
    qs.order_by(invoice::id).values_list(invoice::id).all(db)
}

#[test]
fn lookups_on_date_parts_filter_and_exclude_with_null_as_django() -> Result<()> {
    each_empty_db(|db| {
        let rows = seed(db)?;
        far_time_zone(db)?;
        use invoice::*;
        let all = Invoice::objects;

        assert_eq!(
            ids(db, all().filter(invoice_date.year().eq(2010)))?,
            ids_where(&rows, |r| r.invoice_date.year() == 2010)
        );
        assert_eq!(
            ids(db, all().filter(invoice_date.month().is_in([1, 2])))?,
            ids_where(&rows, |r| [1, 2].contains(&r.invoice_date.month()))
        );
        assert_eq!(
            ids(db, all().filter(invoice_date.year().range(2009, 2010)))?,
            ids_where(&rows, |r| (2009..=2010).contains(&r.invoice_date.year()))
        );
        assert_eq!(
            ids(db, all().filter(invoice_date.week_day().eq(1)))?,
            ids_where(&rows, |r| week_day(r.invoice_date) == 1),
            "Sundays"
        );
        assert_eq!(
            ids(db, all().filter(created.quarter().gte(2)))?,
            ids_where(&rows, |r| quarter(r.created) >= 2)
        );
        assert_eq!(
            ids(db, all().filter(sent_at.year().eq(2009)))?,
            ids_where(&rows, |r| r.sent_at.year() == 2009),
            "instants in UTC"
        );
        // A part compared with another expression of the same type.
        assert_eq!(
            ids(db, all().filter(created.month().eq(invoice_date.month())))?,
            ids_where(&rows, |r| r.created.month() == r.invoice_date.month())
        );
        // date() with a date's lookups.
        assert_eq!(
            ids(db, all().filter(sent_at.date().eq(date(2010, 2, 1))))?,
            ids_where(&rows, |r| r.sent_at.date_naive() == date(2010, 2, 1))
        );
        assert_eq!(
            ids(db, all().filter(created.date().lt(invoice_date)))?,
            Vec::<i64>::new()
        );
        assert_eq!(
            ids(
                db,
                all().filter(
                    reviewed_at
                        .date()
                        .range(date(2010, 1, 1), date(2010, 12, 31))
                )
            )?,
            ids_where(&rows, |r| r
                .reviewed_at
                .is_some_and(|t| t.date_naive().year() == 2010))
        );

        // NULL: filter never matches it, exclude keeps it (Django).
        let paid_2010 = |r: &Invoice| r.paid_on.is_some_and(|d| d.year() == 2010);
        assert_eq!(
            ids(db, all().filter(paid_on.year().eq(2010)))?,
            ids_where(&rows, paid_2010)
        );
        assert_eq!(
            ids(db, all().exclude(paid_on.year().eq(2010)))?,
            ids_where(&rows, |r| !paid_2010(r)),
            "exclude keeps the NULL rows"
        );
        assert_eq!(
            ids(db, all().filter(!reviewed_at.month().is_in([2])))?,
            ids_where(&rows, |r| r.reviewed_at.is_none_or(|t| t.month() != 2))
        );
        assert_eq!(
            ids(db, all().filter(paid_on.year().isnull(true)))?,
            ids_where(&rows, |r| r.paid_on.is_none())
        );

        // On a path's field: the customer's `since`.
        assert_eq!(
            ids(db, all().filter(customer.since().year().eq(2005)))?,
            ids_where(&rows, |r| r.customer.id() == rows[0].customer.id())
        );
        let since: Vec<(String, i32)> = all()
            .order_by(id)
            .values_list((code, customer.since().month()))
            .all(db)?;
        assert_eq!(since[0], ("INV-2009-001".into(), 3));
        assert_eq!(since[5], ("INV 2011 6".into(), 11));
        Ok(())
    })
}

#[test]
fn date_parts_order_group_and_annotate() -> Result<()> {
    each_empty_db(|db| {
        let rows = seed(db)?;
        far_time_zone(db)?;
        use invoice::*;

        // values_list(year).annotate(Count(id)): grouped by the year.
        let per_year: Vec<(i32, i64)> = Invoice::objects()
            .values_list(invoice_date.year())
            .annotate(Count(id))
            .order_by(invoice_date.year())
            .all(db)?;
        assert_eq!(per_year, [(2009, 1), (2010, 4), (2011, 1)]);

        // Grouped by an Option part: NULL is a group of its own.
        let mut per_paid: Vec<(Option<i32>, i64)> = Invoice::objects()
            .values_list(paid_on.year())
            .annotate(Count(id))
            .all(db)?;
        per_paid.sort();
        assert_eq!(per_paid, [(None, 2), (Some(2010), 3), (Some(2011), 1)]);

        // Grouped by (year, quarter) of an instant, with a HAVING.
        let n = Count(id);
        let busy: Vec<((i32, i32), i64)> = Invoice::objects()
            .values_list((sent_at.year(), sent_at.quarter()))
            .annotate(n)
            .filter(n.gte(2))
            .order_by((sent_at.year(), sent_at.quarter()))
            .all(db)?;
        assert_eq!(busy, [((2010, 1), 2)]);

        // Annotate model rows with a part.
        let annotated: Vec<(Invoice, i32)> = Invoice::objects()
            .annotate(invoice_date.week_day())
            .order_by(id)
            .all(db)?;
        assert_eq!(
            annotated
                .iter()
                .map(|(i, w)| (i.id, *w))
                .collect::<Vec<_>>(),
            rows.iter()
                .map(|r| (r.id, week_day(r.invoice_date)))
                .collect::<Vec<_>>()
        );

        // Ordering: month descending, then day.
        let ordered: Vec<i64> = Invoice::objects()
            .order_by((-invoice_date.month(), invoice_date.day().asc()))
            .values_list(id)
            .all(db)?;
        let mut want: Vec<&Invoice> = rows.iter().collect();
        want.sort_by_key(|r| {
            (
                std::cmp::Reverse(r.invoice_date.month()),
                r.invoice_date.day(),
            )
        });
        assert_eq!(ordered, want.iter().map(|r| r.id).collect::<Vec<_>>());

        // Distinct values, first.
        let years: Vec<i32> = Invoice::objects()
            .values_list(created.year())
            .distinct()
            .order_by(-created.year())
            .all(db)?;
        assert_eq!(years, [2011, 2010, 2009]);
        let first: Option<i32> = Invoice::objects()
            .values_list(invoice_date.month())
            .order_by(invoice_date.month())
            .first(db)?;
        assert_eq!(first, Some(1));
        Ok(())
    })
}

#[test]
fn dates_lists_distinct_truncated_dates_ascending_without_nulls() -> Result<()> {
    each_empty_db(|db| {
        let rows = seed(db)?;
        far_time_zone(db)?;
        use invoice::*;

        /// The oracle: distinct truncated dates, ascending.
        fn truncated(
            dates: impl Iterator<Item = NaiveDate>,
            kind: fn(NaiveDate) -> NaiveDate,
        ) -> Vec<NaiveDate> {
            let mut v: Vec<NaiveDate> = dates.map(kind).collect();
            v.sort();
            v.dedup();
            v
        }
        let year = |d: NaiveDate| date(d.year(), 1, 1);
        let month = |d: NaiveDate| date(d.year(), d.month(), 1);
        let day = |d: NaiveDate| d;

        let months: Vec<NaiveDate> = Invoice::objects()
            .dates(invoice_date, DatePart::Month)
            .all(db)?;
        assert_eq!(
            months,
            truncated(rows.iter().map(|r| r.invoice_date), month)
        );
        let years: Vec<NaiveDate> = Invoice::objects()
            .dates(invoice_date, DatePart::Year)
            .all(db)?;
        assert_eq!(
            years,
            [date(2009, 1, 1), date(2010, 1, 1), date(2011, 1, 1)]
        );

        // NULLs skipped.
        let paid: Vec<NaiveDate> = Invoice::objects().dates(paid_on, DatePart::Day).all(db)?;
        assert_eq!(paid, truncated(rows.iter().filter_map(|r| r.paid_on), day));

        // Datetimes and instants (in UTC); Option instants.
        assert_eq!(
            Invoice::objects().dates(created, DatePart::Day).all(db)?,
            truncated(rows.iter().map(|r| r.created.date()), day)
        );
        assert_eq!(
            Invoice::objects().dates(sent_at, DatePart::Month).all(db)?,
            truncated(rows.iter().map(|r| r.sent_at.date_naive()), month)
        );
        assert_eq!(
            Invoice::objects()
                .dates(reviewed_at, DatePart::Year)
                .all(db)?,
            truncated(
                rows.iter()
                    .filter_map(|r| r.reviewed_at.map(|t| t.date_naive())),
                year
            )
        );

        // After a filter, and on a path's field; count and first work on it.
        let filtered = Invoice::objects()
            .filter(code.startswith("INV"))
            .dates(invoice_date, DatePart::Year);
        assert_eq!(filtered.count(db)?, 3);
        assert_eq!(filtered.first(db)?, Some(date(2009, 1, 1)));
        assert_eq!(
            Invoice::objects()
                .dates(customer.since(), DatePart::Month)
                .all(db)?,
            [date(2005, 3, 1), date(2010, 11, 1)]
        );
        Ok(())
    })
}

#[test]
fn dates_sql_on_each_backend() {
    use invoice::*;
    let qs = Invoice::objects().dates(sent_at, DatePart::Year);
    let (sql, params) = qs.to_sql_for(Backend::Postgres);
    assert_eq!(
        sql,
        r#"SELECT DISTINCT CAST(DATE_TRUNC('year', CAST(("sent_at" AT TIME ZONE 'UTC') AS timestamp)) AS date) FROM "invoice" ORDER BY CAST(DATE_TRUNC('year', CAST(("sent_at" AT TIME ZONE 'UTC') AS timestamp)) AS date)"#
    );
    assert!(params.is_empty());
    let (sql, _) = Invoice::objects()
        .filter(paid_on.week_day().eq(1))
        .to_sql_for(Backend::Sqlite);
    assert!(
        sql.ends_with(r#"WHERE (CAST(strftime('%w', "paid_on") AS INTEGER) + 1) = ?"#),
        "{sql}"
    );
    let (sql, _) = Invoice::objects()
        .filter(sent_at.year().eq(2010))
        .to_sql_for(Backend::Postgres);
    assert!(
        sql.ends_with(
            r#"WHERE CAST(EXTRACT(YEAR FROM ("sent_at" AT TIME ZONE 'UTC')) AS integer) = $1"#
        ),
        "{sql}"
    );
}

#[test]
fn regex_and_iregex_match_on_both_dialects() -> Result<()> {
    each_empty_db(|db| {
        let rows = seed(db)?;
        use invoice::*;
        let check = |q: Q<Invoice>, want: fn(&Invoice) -> bool, what: &str| -> Result<()> {
            assert_eq!(
                ids(db, Invoice::objects().filter(q))?,
                ids_where(&rows, want),
                "{what}"
            );
            Ok(())
        };
        check(
            code.regex(r"^INV-\d{4}-\d{3}$"),
            |r| r.code.starts_with("INV-"),
            "anchors, \\d, counts",
        )?;
        check(
            code.iregex(r"^inv-\d{4}-\d{3}$"),
            |r| r.code.to_lowercase().starts_with("inv-"),
            "ignoring case",
        )?;
        check(
            code.regex("^(CRN|INV) "),
            |r| r.code == "INV 2011 6",
            "alternation, groups",
        )?;
        check(
            code.regex("[0-9]{4}-00[2-4]"),
            |r| ["INV-2010-002", "inv-2010-003", "INV-2010-004"].contains(&r.code.as_str()),
            "classes, unanchored",
        )?;
        check(
            code.regex("2010"),
            |r| r.code.contains("2010"),
            "a plain substring",
        )?;
        check(
            note.iregex("^rush order$"),
            |r| {
                r.note
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case("rush order"))
            },
            "Option field",
        )?;
        // NULL never matches; exclude keeps it (Django).
        assert_eq!(
            ids(db, Invoice::objects().exclude(note.regex("^rush")))?,
            ids_where(&rows, |r| !r
                .note
                .as_deref()
                .is_some_and(|n| n.starts_with("rush")))
        );
        // On a path's field, and combined.
        assert_eq!(
            Invoice::objects()
                .filter(customer.name().regex("^New") & code.iregex("005$"))
                .count(db)?,
            1
        );
        assert_eq!(
            Customer::objects()
                .filter(customer::nickname.regex("T$"))
                .count(db)?,
            1
        );
        Ok(())
    })
}

#[test]
fn a_bad_or_hostile_pattern_is_an_error_not_a_panic() -> Result<()> {
    each_empty_db(|db| {
        seed(db)?;
        use invoice::*;
        let err = Invoice::objects()
            .filter(code.regex("INV-("))
            .all(db)
            .expect_err("an unbalanced group is refused");
        let message = err.to_string();
        if db.backend() == Backend::Sqlite {
            assert!(
                message.contains("invalid regular expression `INV-(`"),
                "{message}"
            );
        } else {
            assert!(message.contains("regular expression"), "{message}");
        }
        // Huge when compiled: refused on SQLite, whatever PostgreSQL does
        // (it has limits of its own); never a panic or a hang.
        let hostile = Invoice::objects()
            .filter(code.iregex(r"(\w{500}){500}"))
            .count(db);
        if db.backend() == Backend::Sqlite {
            let message = hostile.expect_err("too big").to_string();
            assert!(message.contains("more than"), "{message}");
        }
        // The connection still works, and a good pattern after a bad one.
        assert_eq!(Invoice::objects().filter(code.regex("^CRN")).count(db)?, 1);
        Ok(())
    })
}

#[test]
fn regex_sql_on_each_backend() {
    use invoice::*;
    let (sql, params) = Invoice::objects()
        .filter(note.iregex("^a"))
        .to_sql_for(Backend::Sqlite);
    assert!(sql.ends_with(r#"WHERE query_regex("note", ?, 1)"#), "{sql}");
    assert_eq!(params, [Value::Text("^a".into())]);
    let (sql, _) = Invoice::objects()
        .exclude(note.iregex("^a"))
        .to_sql_for(Backend::Postgres);
    assert!(
        sql.ends_with(r#"WHERE ("note"::text ~* $1) IS NOT TRUE"#),
        "{sql}"
    );
}
