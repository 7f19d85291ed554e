//! PostgreSQL's SQL: `$1..$n` placeholders, `IS DISTINCT FROM`, and text
//! lookups as Django writes them there (`LIKE` with `%`, `_` and `\`
//! escaped in the bound value, `UPPER(..)` on both sides for the `i` forms).

use std::borrow::Cow;

use crate::tree::{DatePart, Expr, ExtractPart, From, Func, Select, TextOp};
use crate::value::Value;
use crate::write::{Sql, Writer, push_int, quote};

/// PostgreSQL's writer.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PostgresWriter;

/// The most parameters one PostgreSQL statement may bind (the protocol
/// counts them in 16 bits).
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) const MAX_PARAMETERS: usize = 65535;

/// `text` with LIKE's special characters (`%`, `_` and the escape `\`)
/// escaped, between `before` and `after`.
fn like_pattern(text: &str, before: &str, after: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    out.push_str(before);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push_str(after);
    out
}

impl PostgresWriter {
    /// `lhs::text`, in `UPPER(..)` when `upper`.
    fn text<'a>(&self, out: &mut Sql<'a>, lhs: &'a Expr, upper: bool) {
        if upper {
            out.push("UPPER(");
        }
        self.expr(out, lhs);
        out.push("::text");
        if upper {
            out.push(")");
        }
    }
}

impl Writer for PostgresWriter {
    fn cast<'a>(&self, out: &mut Sql<'a>, e: &'a Expr, ty: crate::value::SqlType) {
        use crate::value::SqlType as T;
        out.push("CAST(");
        self.expr(out, e);
        out.push(match ty {
            T::I8 | T::I16 | T::U8 => " AS smallint)",
            T::I32 | T::U16 => " AS integer)",
            T::I64 | T::U32 => " AS bigint)",
            T::F32 => " AS real)",
            T::F64 => " AS double precision)",
            T::Bool => " AS boolean)",
            T::Text => " AS text)",
            T::Blob => " AS bytea)",
            T::Date => " AS date)",
            T::DateTime => " AS timestamp)",
            T::DateTimeUtc => " AS timestamptz)",
            T::Decimal => " AS numeric)",
        });
    }

    // Lists longer than this go as one array parameter: one cached
    // statement for any length, and no parameter limit (65,535).
    fn bound_list(&self, values: &[Value]) -> Option<Value> {
        const SHORT: usize = 16;
        (values.len() > SHORT
            && !values
                .iter()
                .any(|v| matches!(v, Value::Null | Value::List(_))))
        .then(|| Value::List(values.to_vec()))
    }

    fn in_bound_list<'a>(&self, out: &mut Sql<'a>, lhs: &'a Expr, list: Value) {
        self.expr(out, lhs);
        out.push(" = ANY(");
        self.param(out, Cow::Owned(list));
        out.push(")");
    }

    fn placeholder(&self, out: &mut Sql<'_>) {
        out.placeholders += 1;
        out.text.push('$');
        push_int(&mut out.text, out.placeholders as i64);
    }

    fn distinct_from(&self) -> &'static str {
        " IS DISTINCT FROM "
    }

    // `OF` the statement's own table: the rows of the model are locked, not
    // those of the tables its conditions join (PostgreSQL refuses to lock
    // the nullable side of an outer join).
    fn for_update(&self, out: &mut Sql<'_>, s: &Select<'_>) {
        out.push(" FOR UPDATE");
        if let From::Table(table) = &s.from {
            out.push(" OF ");
            quote(&mut out.text, table);
        }
    }

    // PostgreSQL's own operators: `~` (case-sensitive), `~*` (ignoring
    // case), on its ARE dialect of regular expressions.
    fn regex_lookup<'a>(
        &self,
        out: &mut Sql<'a>,
        lhs: &'a Expr,
        pattern: &'a Value,
        case_insensitive: bool,
    ) {
        self.text(out, lhs, false);
        out.push(if case_insensitive { " ~* " } else { " ~ " });
        self.param(out, Cow::Borrowed(pattern));
    }

    // `EXTRACT` gives `numeric`: cast to `integer`, as the typed layer
    // reads `i32`. A `timestamptz` comes wrapped in `AtUtc`, so that the
    // parts are UTC's whatever the session's time zone.
    fn date_func<'a>(&self, out: &mut Sql<'a>, func: Func, arg: &'a Expr) {
        match func {
            Func::Extract(part) => {
                let (field, plus_one) = match part {
                    ExtractPart::Year => ("YEAR", false),
                    ExtractPart::Quarter => ("QUARTER", false),
                    ExtractPart::Month => ("MONTH", false),
                    ExtractPart::Day => ("DAY", false),
                    // DOW: 0 = Sunday; Django's week_day is 1 = Sunday.
                    ExtractPart::WeekDay => ("DOW", true),
                };
                if plus_one {
                    out.push("(");
                }
                out.push("CAST(EXTRACT(");
                out.push(field);
                out.push(" FROM ");
                self.expr(out, arg);
                out.push(") AS integer)");
                if plus_one {
                    out.push(" + 1)");
                }
            }
            Func::Trunc(DatePart::Day) | Func::ToDate => {
                out.push("CAST(");
                self.expr(out, arg);
                out.push(" AS date)");
            }
            // `DATE_TRUNC` of a `date` would pick its `timestamptz` form
            // (and the session's time zone): truncate a `timestamp`.
            Func::Trunc(part) => {
                out.push("CAST(DATE_TRUNC(");
                out.push(match part {
                    DatePart::Year => "'year'",
                    DatePart::Month => "'month'",
                    DatePart::Day => "'day'",
                });
                out.push(", CAST(");
                self.expr(out, arg);
                out.push(" AS timestamp)) AS date)");
            }
            Func::AtUtc => {
                out.push("(");
                self.expr(out, arg);
                out.push(" AT TIME ZONE 'UTC')");
            }
            _ => self.expr(out, arg),
        }
    }

    fn text_lookup<'a>(
        &self,
        out: &mut Sql<'a>,
        lhs: &'a Expr,
        op: TextOp,
        case_insensitive: bool,
        needle: &'a Value,
    ) {
        let text = match needle {
            Value::Text(t) => t.as_str(),
            _ => "",
        };
        let (pattern, operator) = match op {
            TextOp::IExact => (Cow::Borrowed(needle), " = "),
            TextOp::Contains => (
                Cow::Owned(Value::Text(like_pattern(text, "%", "%"))),
                " LIKE ",
            ),
            TextOp::StartsWith => (
                Cow::Owned(Value::Text(like_pattern(text, "", "%"))),
                " LIKE ",
            ),
            TextOp::EndsWith => (
                Cow::Owned(Value::Text(like_pattern(text, "%", ""))),
                " LIKE ",
            ),
        };
        self.text(out, lhs, case_insensitive);
        out.push(operator);
        if case_insensitive {
            out.push("UPPER(");
            self.param(out, pattern);
            out.push(")");
        } else {
            self.param(out, pattern);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_their_wildcards() {
        assert_eq!(like_pattern("50%_off\\", "%", "%"), "%50\\%\\_off\\\\%");
        assert_eq!(like_pattern("", "", "%"), "%");
    }
}
