//! SQLite's SQL: `?` placeholders, `IS NOT` for "is different from",
//! byte-exact text lookups, long `IN` lists through `json_each`.

use std::borrow::Cow;

use crate::tree::{DatePart, Expr, ExtractPart, Func, TextOp};
use crate::value::Value;
use crate::write::{Sql, Writer, push_int};

/// The name of the SQL function, registered on every SQLite connection a
/// [`Db`](crate::Db) opens, that folds text case for all of Unicode.
pub const CASEFOLD_FUNCTION: &str = "query_casefold";

/// Unicode case folding: uppercase then lowercase, per character.
///
/// This is close to Unicode full case folding (`ß`, `ẞ` and `SS` fold alike,
/// final `ς` folds like `σ`, `ſ` like `s`) without a table of our own.
pub fn casefold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        for u in c.to_uppercase() {
            out.extend(u.to_lowercase());
        }
    }
    out
}

/// The name of the SQL function, registered on every SQLite connection a
/// [`Db`](crate::Db) opens, that matches text against a regular expression
/// (the `regex` and `iregex` lookups): `query_regex(text, pattern, flags)`,
/// where `flags` is 1 to ignore case. NULL text gives NULL.
pub const REGEX_FUNCTION: &str = "query_regex";

/// SQLite's writer.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SqliteWriter;

/// The most parameters one SQLite statement may bind
/// (`SQLITE_MAX_VARIABLE_NUMBER`'s default since 3.32).
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) const MAX_PARAMETERS: usize = 32766;

impl SqliteWriter {
    /// The expression, wrapped in the case-folding function when `fold`.
    fn text<'a>(&self, out: &mut Sql<'a>, lhs: &'a Expr, fold: bool) {
        if fold {
            out.push(CASEFOLD_FUNCTION);
            out.push("(");
            self.expr(out, lhs);
            out.push(")");
        } else {
            self.expr(out, lhs);
        }
    }

    /// `CAST(<expression, folded when asked> AS BLOB)`.
    fn bytes<'a>(&self, out: &mut Sql<'a>, lhs: &'a Expr, fold: bool) {
        out.push("CAST(");
        self.text(out, lhs, fold);
        out.push(" AS BLOB)");
    }
}

/// Appends `text` as a JSON string.
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl Writer for SqliteWriter {
    // SQLite's values carry their own types, and each reads as the typed
    // layer expects (`SUM` of integers is an integer, `AVG` a real): no
    // cast to write.
    fn cast<'a>(&self, out: &mut Sql<'a>, e: &'a Expr, _ty: crate::value::SqlType) {
        self.expr(out, e);
    }

    fn distinct_from(&self) -> &'static str {
        " IS NOT "
    }

    // `query_regex(lhs, ?, 0|1)`; the flag is SQL text, so each call site
    // keeps its compiled pattern (SQLite's auxiliary data) while the bound
    // pattern stays the same.
    fn regex_lookup<'a>(
        &self,
        out: &mut Sql<'a>,
        lhs: &'a Expr,
        pattern: &'a Value,
        case_insensitive: bool,
    ) {
        out.push(REGEX_FUNCTION);
        out.push("(");
        self.expr(out, lhs);
        out.push(", ");
        self.param(out, Cow::Borrowed(pattern));
        out.push(if case_insensitive { ", 1)" } else { ", 0)" });
    }

    // Dates and datetimes are ISO 8601 text (`2010-01-31`,
    // `2010-01-31 12:00:00.5`, and `+00:00` after a `DateTime<Utc>`), which
    // `strftime` and `date` read (a time zone suffix converts to UTC).
    fn date_func<'a>(&self, out: &mut Sql<'a>, func: Func, arg: &'a Expr) {
        let strftime = |w: &Self, out: &mut Sql<'a>, format: &str| {
            out.push("CAST(strftime('");
            out.push(format);
            out.push("', ");
            w.expr(out, arg);
            out.push(") AS INTEGER)");
        };
        match func {
            Func::Extract(part) => match part {
                ExtractPart::Year => strftime(self, out, "%Y"),
                ExtractPart::Month => strftime(self, out, "%m"),
                ExtractPart::Day => strftime(self, out, "%d"),
                // `%w`: 0 = Sunday; Django's week_day is 1 = Sunday.
                ExtractPart::WeekDay => {
                    out.push("(");
                    strftime(self, out, "%w");
                    out.push(" + 1)");
                }
                ExtractPart::Quarter => {
                    out.push("((");
                    strftime(self, out, "%m");
                    out.push(" + 2) / 3)");
                }
            },
            Func::Trunc(part) => {
                out.push("date(");
                self.expr(out, arg);
                out.push(match part {
                    DatePart::Year => ", 'start of year')",
                    DatePart::Month => ", 'start of month')",
                    DatePart::Day => ")",
                });
            }
            Func::ToDate => {
                out.push("date(");
                self.expr(out, arg);
                out.push(")");
            }
            // Stored as UTC text already.
            _ => self.expr(out, arg),
        }
    }

    fn binds_nan_as_null(&self) -> bool {
        true
    }

    fn default_value(&self) -> &'static str {
        // SQLite has no `DEFAULT` in VALUES; NULL into an INTEGER PRIMARY
        // KEY takes the next key.
        "NULL"
    }

    // Text lookups compare bytes: `instr` for contains and startswith, and
    // `substr` on the value cast to a BLOB for endswith (the needle is bound
    // as text, so logs show it as text). Unlike LIKE (which folds ASCII case
    // in SQLite) and GLOB (which stops at a NUL character), this is exact for
    // every string and needs no escaping: `%`, `_`, `*`, `?`, `[` and `\`
    // are ordinary bytes. The `i` forms fold both sides with `casefold`.
    fn text_lookup<'a>(
        &self,
        out: &mut Sql<'a>,
        lhs: &'a Expr,
        op: TextOp,
        case_insensitive: bool,
        needle: &'a Value,
    ) {
        let needle: Cow<'a, Value> = match needle {
            Value::Text(s) if case_insensitive => Cow::Owned(Value::Text(casefold(s))),
            other => Cow::Borrowed(other),
        };
        let empty = matches!(&*needle, Value::Text(t) if t.is_empty());
        if empty && op != TextOp::IExact {
            // Every text contains, starts and ends with "". (SQLite's substr
            // of an empty BLOB is NULL, so don't ask it.)
            self.expr(out, lhs);
            out.push(" IS NOT NULL");
            return;
        }
        match op {
            TextOp::IExact => {
                self.text(out, lhs, case_insensitive);
                out.push(" = ");
                self.param(out, needle);
            }
            TextOp::Contains | TextOp::StartsWith => {
                // instr compares the bytes of two texts by length, NUL
                // included; its result counts characters, and only "found"
                // and "found at 1" matter here.
                out.push("instr(");
                self.text(out, lhs, case_insensitive);
                out.push(", ");
                self.param(out, needle);
                out.push(if op == TextOp::Contains {
                    ") > 0"
                } else {
                    ") = 1"
                });
            }
            TextOp::EndsWith => {
                // The last len(needle) bytes equal the needle. A needle
                // longer than the value compares something shorter than
                // itself; substr of an empty value is NULL, hence coalesce.
                let len = match &*needle {
                    Value::Text(t) => t.len(),
                    _ => 0,
                };
                out.push("coalesce(substr(");
                self.bytes(out, lhs, case_insensitive);
                out.push(", length(");
                self.bytes(out, lhs, case_insensitive);
                out.push(") - ");
                self.param(
                    out,
                    Cow::Owned(Value::Integer(i64::try_from(len).unwrap_or(i64::MAX))),
                );
                out.push(" + 1), X'') = CAST(");
                self.param(out, needle);
                out.push(" AS BLOB)");
            }
        }
    }

    // Lists longer than this go as one JSON array through `json_each`.
    fn bound_list(&self, values: &[Value]) -> Option<Value> {
        const SHORT: usize = 16;
        if values.len() <= SHORT {
            return None;
        }
        let mut json = String::with_capacity(values.len() * 8 + 2);
        json.push('[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            match v {
                Value::Integer(n) => push_int(&mut json, *n),
                // `{:?}` of a finite f64 is valid JSON and round-trips.
                Value::Real(r) if r.is_finite() => {
                    use std::fmt::Write;
                    let _ = write!(json, "{r:?}");
                }
                // (SQLite's JSON text stops at a NUL character.)
                Value::Text(t) if !t.contains('\0') => push_json_string(&mut json, t),
                // NaN, infinities, NUL characters, blobs, NULL: bind one by one.
                _ => return None,
            }
        }
        json.push(']');
        Some(Value::Text(json))
    }

    fn limit_offset(&self, out: &mut Sql<'_>, limit: Option<u64>, offset: Option<u64>) {
        // SQLite takes a signed 64-bit LIMIT; larger means "no limit" anyway.
        let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        match (limit, offset) {
            (None, None) => {}
            (Some(l), None) => {
                out.push(" LIMIT ");
                push_int(&mut out.text, clamp(l));
            }
            (l, Some(o)) => {
                // SQLite needs a LIMIT before OFFSET; -1 means none.
                out.push(" LIMIT ");
                push_int(&mut out.text, l.map_or(-1, clamp));
                out.push(" OFFSET ");
                push_int(&mut out.text, clamp(o));
            }
        }
    }
}
