//! Every part of the tree, written by both backends' writers.

use std::borrow::Cow;

use crate::backend::postgres::PostgresWriter;
use crate::backend::sqlite::SqliteWriter;
use crate::tree::{
    AggregateFunc, BinOp, Cmp, Column, Cond, Delete, Expr, From, Func, Insert, InsertRows, Join,
    JoinKind, OrderTerm, Select, SelectColumns, TableName, Target, TextOp, Update,
};
use crate::value::Value;
use crate::write::{Sql, Writer};

fn col(table: &'static str, name: &'static str) -> Expr {
    Expr::Column(Column::new(table, name))
}

fn alias(n: u16, name: &'static str) -> Expr {
    Expr::Column(Column {
        table: TableName::Alias(n),
        name,
        field: None,
        path: None,
    })
}

fn eq(lhs: Expr, rhs: Expr) -> Cond {
    Cond::Cmp {
        lhs,
        op: Cmp::Eq,
        rhs,
        nullable: false,
    }
}

fn write_select(w: &dyn Writer, s: &Select<'_>) -> (String, Vec<Value>) {
    let mut sql = Sql::with_buffer(String::new(), None);
    w.select(&mut sql, s);
    sql.finish()
}

/// Tracks per album: joins (inner and left, one under an alias), a filter,
/// grouping, an aggregate with HAVING, arithmetic, a function, ordering
/// and a slice.
/// The parts of a select: columns, joins, filter, group by, having, order.
type Parts = (Vec<Expr>, Vec<Join>, Cond, Vec<Expr>, Cond, Vec<OrderTerm>);

fn report() -> Parts {
    let columns = vec![
        col("album", "title"),
        Expr::Aggregate {
            func: AggregateFunc::Count,
            arg: Some(Box::new(col("track", "id"))),
            distinct: true,
        },
        Expr::Aggregate {
            func: AggregateFunc::Sum,
            arg: Some(Box::new(Expr::Binary(
                Box::new(col("track", "milliseconds")),
                BinOp::Div,
                Box::new(Expr::Value(Value::Integer(1000))),
            ))),
            distinct: false,
        },
        Expr::Func(
            Func::Coalesce,
            vec![alias(2, "name"), Expr::Value(Value::Text("?".into()))],
        ),
    ];
    let joins = vec![
        Join {
            kind: JoinKind::Inner,
            table: "track",
            alias: None,
            on: eq(col("track", "album_id"), col("album", "id")),
        },
        Join {
            kind: JoinKind::Left,
            table: "artist",
            alias: Some(TableName::Alias(2)),
            on: eq(alias(2, "id"), col("album", "artist_id")),
        },
    ];
    let filter = Cond::Text {
        lhs: col("album", "title"),
        op: TextOp::Contains,
        case_insensitive: true,
        needle: Value::Text("Live".into()),
        nullable: false,
    };
    let group_by = vec![col("album", "title"), alias(2, "name")];
    let having = Cond::Cmp {
        lhs: Expr::count_star(),
        op: Cmp::Gte,
        rhs: Expr::Value(Value::Integer(5)),
        nullable: false,
    };
    let order = vec![
        OrderTerm {
            expr: Expr::Aggregate {
                func: AggregateFunc::Max,
                arg: Some(Box::new(col("track", "bytes"))),
                distinct: false,
            },
            desc: true,
        },
        OrderTerm {
            expr: col("album", "title"),
            desc: false,
        },
    ];
    (columns, joins, filter, group_by, having, order)
}

fn report_select<'a>(parts: &'a Parts) -> Select<'a> {
    let (columns, joins, filter, group_by, having, order) = parts;
    Select {
        distinct: false,
        columns: SelectColumns::Exprs(Cow::Borrowed(columns)),
        from: From::Table("album"),
        joins: Cow::Borrowed(joins),
        filter: Some(filter),
        group_by: Cow::Borrowed(group_by),
        having: Some(having),
        order: Cow::Borrowed(order),
        limit: Some(10),
        offset: 20,
        related: &[],
        extra: Cow::Borrowed(&[]),
        for_update: false,
        nothing: false,
    }
}

#[test]
fn sqlite_writes_joins_grouping_and_aggregates() {
    let parts = report();
    let (sql, params) = write_select(&SqliteWriter, &report_select(&parts));
    assert_eq!(
        sql,
        concat!(
            r#"SELECT "album"."title", COUNT(DISTINCT "track"."id"), SUM(("track"."milliseconds" / ?)), COALESCE("T2"."name", ?)"#,
            r#" FROM "album" INNER JOIN "track" ON "track"."album_id" = "album"."id""#,
            r#" LEFT OUTER JOIN "artist" "T2" ON "T2"."id" = "album"."artist_id""#,
            r#" WHERE instr(query_casefold("album"."title"), ?) > 0"#,
            r#" GROUP BY "album"."title", "T2"."name" HAVING COUNT(*) >= ?"#,
            r#" ORDER BY MAX("track"."bytes") DESC, "album"."title" LIMIT 10 OFFSET 20"#
        )
    );
    assert_eq!(
        params,
        [
            Value::Integer(1000),
            Value::Text("?".into()),
            Value::Text("live".into()),
            Value::Integer(5)
        ]
    );
}

#[test]
fn postgres_writes_joins_grouping_and_aggregates() {
    let parts = report();
    let (sql, params) = write_select(&PostgresWriter, &report_select(&parts));
    assert_eq!(
        sql,
        concat!(
            r#"SELECT "album"."title", COUNT(DISTINCT "track"."id"), SUM(("track"."milliseconds" / $1)), COALESCE("T2"."name", $2)"#,
            r#" FROM "album" INNER JOIN "track" ON "track"."album_id" = "album"."id""#,
            r#" LEFT OUTER JOIN "artist" "T2" ON "T2"."id" = "album"."artist_id""#,
            r#" WHERE UPPER("album"."title"::text) LIKE UPPER($3)"#,
            r#" GROUP BY "album"."title", "T2"."name" HAVING COUNT(*) >= $4"#,
            r#" ORDER BY MAX("track"."bytes") DESC, "album"."title" LIMIT 10 OFFSET 20"#
        )
    );
    assert_eq!(
        params,
        [
            Value::Integer(1000),
            Value::Text("?".into()),
            Value::Text("%Live%".into()),
            Value::Integer(5)
        ]
    );
}

#[test]
fn distinct_subqueries_and_the_null_safe_comparison() {
    let ne = Cond::Not(Box::new(Cond::Cmp {
        lhs: col("t", "a"),
        op: Cmp::Ne,
        rhs: Expr::Value(Value::Integer(1)),
        nullable: true,
    }));
    let inner = Select {
        filter: Some(&ne),
        limit: Some(3),
        ..Select::new(SelectColumns::One, "t")
    };
    let count = [Expr::count_star()];
    let outer = Select {
        distinct: true,
        ..Select::new(SelectColumns::Exprs(Cow::Borrowed(&count)), "t")
    }
    .with_from(From::Subquery(Box::new(inner), "sub"));
    assert_eq!(
        write_select(&SqliteWriter, &outer).0,
        r#"SELECT DISTINCT COUNT(*) FROM (SELECT 1 FROM "t" WHERE NOT ("a" IS NOT ?) LIMIT 3) AS "sub""#
    );
    assert_eq!(
        write_select(&PostgresWriter, &outer).0,
        r#"SELECT DISTINCT COUNT(*) FROM (SELECT 1 FROM "t" WHERE NOT ("a" IS DISTINCT FROM $1) LIMIT 3) AS "sub""#
    );
}

#[test]
fn offset_without_limit() {
    let s = Select {
        offset: 5,
        ..Select::new(SelectColumns::One, "t")
    };
    assert_eq!(
        write_select(&SqliteWriter, &s).0,
        r#"SELECT 1 FROM "t" LIMIT -1 OFFSET 5"#
    );
    assert_eq!(
        write_select(&PostgresWriter, &s).0,
        r#"SELECT 1 FROM "t" OFFSET 5"#
    );
}

#[test]
fn writes_insert_update_and_delete() {
    let both: [(&dyn Writer, [&str; 4]); 2] = [
        (
            &SqliteWriter,
            [
                r#"INSERT INTO "t" ("a", "b") VALUES (?, ?), (?, ?)"#,
                r#"INSERT INTO "t" ("id") VALUES (NULL), (NULL)"#,
                r#"UPDATE "t" SET "a" = ("t"."a" + ?), "b" = ? WHERE "id" = ?"#,
                r#"DELETE FROM "t" WHERE "t"."id" IN (SELECT "id" FROM "t" ORDER BY "a" LIMIT 2)"#,
            ],
        ),
        (
            &PostgresWriter,
            [
                r#"INSERT INTO "t" ("a", "b") VALUES ($1, $2), ($3, $4) RETURNING "id""#,
                r#"INSERT INTO "t" ("id") VALUES (DEFAULT), (DEFAULT) RETURNING "id""#,
                r#"UPDATE "t" SET "a" = ("t"."a" + $1), "b" = $2 WHERE "id" = $3"#,
                r#"DELETE FROM "t" WHERE "t"."id" IN (SELECT "id" FROM "t" ORDER BY "a" LIMIT 2)"#,
            ],
        ),
    ];
    for (w, expected) in both {
        let returning = expected[0].contains("RETURNING");
        let mut sql = Sql::with_buffer(String::new(), None);
        w.insert(
            &mut sql,
            &Insert {
                table: "t",
                columns: Cow::Borrowed(&["a", "b"]),
                rows: InsertRows::Placeholders(2),
                key: "id",
                returning,
            },
        );
        assert_eq!(sql.text, expected[0]);

        let mut sql = Sql::with_buffer(String::new(), None);
        w.insert(
            &mut sql,
            &Insert {
                table: "t",
                columns: Cow::Borrowed(&[]),
                rows: InsertRows::Placeholders(2),
                key: "id",
                returning,
            },
        );
        assert_eq!(sql.text, expected[1]);

        let set = [
            (
                "a",
                Some(Expr::Binary(
                    Box::new(col("t", "a")),
                    BinOp::Add,
                    Box::new(Expr::Value(Value::Integer(1))),
                )),
            ),
            ("b", None),
        ];
        let update = Update {
            table: "t",
            set: Cow::Borrowed(&set),
            target: Target::Key(Column::new("t", "id")),
        };
        let mut sql = Sql::with_buffer(String::new(), None);
        w.update(&mut sql, &update);
        assert_eq!(sql.text, expected[2]);
        assert_eq!(
            sql.params.len(),
            1,
            "one bound value, two left to the caller"
        );
        assert_eq!(sql.placeholders, 3);

        let key = [col("t", "id")];
        let order = [OrderTerm {
            expr: col("t", "a"),
            desc: false,
        }];
        let keys = Select {
            order: Cow::Borrowed(&order),
            limit: Some(2),
            ..Select::new(SelectColumns::Exprs(Cow::Borrowed(&key)), "t")
        };
        let delete = Delete {
            table: "t",
            target: Target::KeysIn(Column::new("t", "id"), Box::new(keys)),
        };
        let mut sql = Sql::with_buffer(String::new(), None);
        w.delete(&mut sql, &delete);
        assert_eq!(sql.text, expected[3]);
    }
}

#[test]
fn text_lookups_on_each_backend() {
    let cases = [
        (
            TextOp::IExact,
            true,
            "Ab%",
            r#"query_casefold("c") = ?"#,
            "ab%",
            r#"UPPER("c"::text) = UPPER($1)"#,
            "Ab%",
        ),
        (
            TextOp::Contains,
            false,
            "5%_\\",
            r#"instr("c", ?) > 0"#,
            "5%_\\",
            r#""c"::text LIKE $1"#,
            "%5\\%\\_\\\\%",
        ),
        (
            TextOp::StartsWith,
            true,
            "Ab",
            r#"instr(query_casefold("c"), ?) = 1"#,
            "ab",
            r#"UPPER("c"::text) LIKE UPPER($1)"#,
            "Ab%",
        ),
        (
            TextOp::EndsWith,
            false,
            "b_",
            r#"coalesce(substr(CAST("c" AS BLOB), length(CAST("c" AS BLOB)) - ? + 1), X'') = CAST(? AS BLOB)"#,
            "b_",
            r#""c"::text LIKE $1"#,
            "%b\\_",
        ),
    ];
    for (op, ci, needle, sqlite_sql, sqlite_value, pg_sql, pg_value) in cases {
        let cond = Cond::Text {
            lhs: col("t", "c"),
            op,
            case_insensitive: ci,
            needle: Value::Text(needle.into()),
            nullable: false,
        };
        let s = Select {
            filter: Some(&cond),
            ..Select::new(SelectColumns::One, "t")
        };
        let (sql, params) = write_select(&SqliteWriter, &s);
        assert_eq!(sql, format!(r#"SELECT 1 FROM "t" WHERE {sqlite_sql}"#));
        assert_eq!(params.last(), Some(&Value::Text(sqlite_value.into())));
        let (sql, params) = write_select(&PostgresWriter, &s);
        assert_eq!(sql, format!(r#"SELECT 1 FROM "t" WHERE {pg_sql}"#));
        assert_eq!(params, [Value::Text(pg_value.into())]);
    }
}
