//! Lookup strings: Django's `filter(price__lte="500")`, for filters that
//! arrive as text (a query string, a form, a command line).
//!
//! A lookup string is resolved against the model's description at run time
//! with the rules the typed API checks at compile time: each step names a
//! field or a relation (`pk` is the primary key; `<fk>_id` a foreign key's
//! column), the lookup fits the field's type, and the value parses as the
//! field's type. The result is the very `Cond` (or `OrderTerm`) the typed
//! form builds, so the SQL and its parameters are the same; the value is
//! only ever a bound parameter.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::error::{Error, Result};
use crate::meta::{FieldMeta, ModelMeta};
use crate::model::Model;
use crate::query::{IntoOrder, OrderTerms, Q};
use crate::queryset::{QuerySet, Shape};
use crate::tree::TextOp;
use crate::tree::{Cmp, Column, Cond, Expr, OrderTerm, PathNode, RelKind, RelMeta, TableName};
use crate::value::{SqlType, Value};

// ---------------------------------------------------------------------------
// The lookups.

/// A lookup's name after the last `__`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookup {
    Exact,
    IExact,
    Contains,
    IContains,
    StartsWith,
    IStartsWith,
    EndsWith,
    IEndsWith,
    In,
    Gt,
    Gte,
    Lt,
    Lte,
    Range,
    IsNull,
    Regex,
    IRegex,
}

impl Lookup {
    /// Every lookup, sorted by name.
    const ALL: [Lookup; 17] = [
        Lookup::Contains,
        Lookup::EndsWith,
        Lookup::Exact,
        Lookup::Gt,
        Lookup::Gte,
        Lookup::IContains,
        Lookup::IEndsWith,
        Lookup::IExact,
        Lookup::In,
        Lookup::IRegex,
        Lookup::IsNull,
        Lookup::IStartsWith,
        Lookup::Lt,
        Lookup::Lte,
        Lookup::Range,
        Lookup::Regex,
        Lookup::StartsWith,
    ];

    fn name(self) -> &'static str {
        match self {
            Lookup::Exact => "exact",
            Lookup::IExact => "iexact",
            Lookup::Contains => "contains",
            Lookup::IContains => "icontains",
            Lookup::StartsWith => "startswith",
            Lookup::IStartsWith => "istartswith",
            Lookup::EndsWith => "endswith",
            Lookup::IEndsWith => "iendswith",
            Lookup::In => "in",
            Lookup::Gt => "gt",
            Lookup::Gte => "gte",
            Lookup::Lt => "lt",
            Lookup::Lte => "lte",
            Lookup::Range => "range",
            Lookup::IsNull => "isnull",
            Lookup::Regex => "regex",
            Lookup::IRegex => "iregex",
        }
    }

    fn parse(name: &str) -> Option<Lookup> {
        Lookup::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The text lookups: the operator and whether it folds case.
    fn text_op(self) -> Option<(TextOp, bool)> {
        Some(match self {
            Lookup::IExact => (TextOp::IExact, true),
            Lookup::Contains => (TextOp::Contains, false),
            Lookup::IContains => (TextOp::Contains, true),
            Lookup::StartsWith => (TextOp::StartsWith, false),
            Lookup::IStartsWith => (TextOp::StartsWith, true),
            Lookup::EndsWith => (TextOp::EndsWith, false),
            Lookup::IEndsWith => (TextOp::EndsWith, true),
            _ => return None,
        })
    }

    /// The comparisons.
    fn cmp(self) -> Option<Cmp> {
        Some(match self {
            Lookup::Exact => Cmp::Eq,
            Lookup::Gt => Cmp::Gt,
            Lookup::Gte => Cmp::Gte,
            Lookup::Lt => Cmp::Lt,
            Lookup::Lte => Cmp::Lte,
            _ => return None,
        })
    }

    /// Whether the typed API has this lookup on a field of type `sql`
    /// (`Option` when `nullable`): `Ordered` for the comparisons and
    /// `range`, `TextLookup` for the text lookups, `Nullable` (or a path
    /// that can give NULL) for `isnull`.
    fn allowed_on(self, sql: SqlType, nullable: bool) -> bool {
        match self {
            Lookup::Exact | Lookup::In => true,
            Lookup::IsNull => nullable,
            Lookup::Gt | Lookup::Gte | Lookup::Lt | Lookup::Lte | Lookup::Range => {
                !matches!(sql, SqlType::Bool | SqlType::Blob)
            }
            _ => sql == SqlType::Text,
        }
    }

    /// Whether Django has this lookup on a relation itself (`album=3`,
    /// `album__in=1,2`, `album__isnull=True`): its related lookups.
    fn on_relation(self) -> bool {
        matches!(
            self,
            Lookup::Exact
                | Lookup::In
                | Lookup::Gt
                | Lookup::Gte
                | Lookup::Lt
                | Lookup::Lte
                | Lookup::IsNull
        )
    }
}

// ---------------------------------------------------------------------------
// Paths.

/// What a lookup string's field part resolves to.
struct Target {
    /// The column compared, exactly as the typed field's `col()` is.
    column: Column,
    /// The field whose type the values take (a relation's: the primary key
    /// of the model reached).
    field: &'static FieldMeta,
    /// A relation named alone (`album`, `album_id`, `albums`): its lookups
    /// are the related ones.
    relation: Option<&'static RelMeta>,
    /// Whether the column can be NULL: an `Option` field, or a step
    /// through a nullable or to-many relation.
    nullable: bool,
}

/// The most path nodes made for lookup strings in one program (see
/// [`node`]).
const MAX_NODES: usize = 10_000;

/// The most relations one lookup string may follow. (A model pointing at
/// itself allows any depth; a path of thousands of steps from a query
/// string would be thousands of joins, and deep recursion in the code that
/// walks paths. SQLite joins at most 64 tables anyway.)
const MAX_DEPTH: usize = 32;

type NodeKey = (usize, &'static str, &'static str);

/// The node for `rel` after `prev`, made once per distinct path and kept for
/// the life of the program, so that a condition can hold it as the
/// `&'static PathNode` the typed paths build at compile time (and
/// `PathNode::same` sees them as equal).
///
/// This is a bounded leak: one small node per distinct *valid* path (an
/// invalid string never reaches here), and at most [`MAX_NODES`] of them:
/// a schema with a cycle of relations has unboundedly many valid paths, and
/// a path from an untrusted query string must not grow memory without end.
/// Beyond the bound a new path is an error.
fn node(rel: &'static RelMeta, prev: Option<&'static PathNode>) -> Result<&'static PathNode> {
    static NODES: OnceLock<Mutex<HashMap<NodeKey, &'static PathNode>>> = OnceLock::new();
    let key = (
        prev.map_or(0, |p| p as *const PathNode as usize),
        rel.owner.table,
        rel.name,
    );
    let mut nodes = NODES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(n) = nodes.get(&key) {
        return Ok(n);
    }
    if prev.is_some_and(|p| p.depth >= MAX_DEPTH) {
        return Err(Error::FieldError(format!(
            "A lookup string may follow at most {MAX_DEPTH} relations; this one follows more ('{}__{}__...').",
            prev.map(PathNode::lookup).unwrap_or_default(),
            rel.name
        )));
    }
    if nodes.len() >= MAX_NODES {
        return Err(Error::FieldError(format!(
            "Too many distinct relation paths in lookup strings ({MAX_NODES}); '{}' is not allowed.",
            match prev {
                Some(p) => format!("{}__{}", p.lookup(), rel.name),
                None => rel.name.to_owned(),
            }
        )));
    }
    let n: &'static PathNode = Box::leak(Box::new(PathNode {
        rel,
        prev,
        depth: prev.map_or(0, |p| p.depth) + 1,
    }));
    nodes.insert(key, n);
    Ok(n)
}

/// The names a lookup string can use on `meta`, sorted as Django lists them
/// ("Choices are: ..."): the fields, each foreign key's `<name>_id`, and
/// the relations.
fn choices(meta: &ModelMeta) -> String {
    let mut names: Vec<String> = Vec::new();
    for f in meta.fields {
        names.push(f.name.to_owned());
        if f.foreign_key.is_some() {
            names.push(format!("{}_id", f.name));
        }
    }
    for r in meta.relations() {
        if r.kind != RelKind::ForeignKey {
            names.push(r.name.to_owned());
        }
    }
    names.sort();
    names.dedup();
    names.join(", ")
}

fn cannot_resolve(name: &str, meta: &ModelMeta) -> Error {
    Error::FieldError(format!(
        "Cannot resolve keyword '{name}' into field. Choices are: {}.",
        choices(meta)
    ))
}

/// A column field of `meta` named `name` (`pk`: the primary key).
fn column_field(meta: &'static ModelMeta, name: &str) -> Option<usize> {
    if name == "pk" {
        return (!meta.fields.is_empty()).then_some(meta.pk);
    }
    meta.fields.iter().position(|f| f.name == name)
}

/// The relation of `meta` named `name`.
fn relation(meta: &'static ModelMeta, name: &str) -> Option<&'static RelMeta> {
    meta.relations().iter().copied().find(|r| r.name == name)
}

/// The foreign key of `meta` whose `<name>_id` is `name`.
fn attname(meta: &'static ModelMeta, name: &str) -> Option<&'static RelMeta> {
    let fk = name.strip_suffix("_id")?;
    let field = meta.fields.iter().find(|f| f.name == fk)?;
    field.foreign_key?;
    relation(meta, fk).filter(|r| r.kind == RelKind::ForeignKey)
}

/// Whether `name` continues a path on `meta`.
fn names_something(meta: &'static ModelMeta, name: &str) -> bool {
    column_field(meta, name).is_some()
        || relation(meta, name).is_some()
        || attname(meta, name).is_some()
}

/// Resolves the leading field part of `parts` on `root`; returns the target
/// and the parts left (the lookup).
fn resolve<'p>(root: &'static ModelMeta, parts: &'p [&'p str]) -> Result<(Target, &'p [&'p str])> {
    let mut meta = root;
    let mut prev: Option<&'static PathNode> = None;
    let mut null = false;
    let mut i = 0;
    loop {
        let Some(&name) = parts.get(i) else {
            // (Not reached: a relation step continues only onto a name.)
            return Err(cannot_resolve("", meta));
        };
        let rest = &parts[i + 1..];
        if let Some(index) = column_field(meta, name) {
            let field = &meta.fields[index];
            let fk = if field.foreign_key.is_some() && name != "pk" {
                relation(meta, name).filter(|r| r.kind == RelKind::ForeignKey)
            } else {
                None
            };
            match fk {
                Some(rel) => {
                    if let Some(&next) = rest.first()
                        && names_something(rel.to, next)
                    {
                        prev = Some(node(rel, prev)?);
                        null |= rel.nullable;
                        meta = rel.to;
                        i += 1;
                        continue;
                    }
                    if let Some(&next) = rest.first()
                        && Lookup::parse(next).is_none()
                    {
                        return Err(cannot_resolve(next, rel.to));
                    }
                    return Ok((relation_target(meta, rel, prev, null)?, rest));
                }
                None => {
                    let column = match prev {
                        // The primary key of a model reached by a foreign
                        // key is the key column itself: no join (as the
                        // typed `album.id()`).
                        Some(last) if index == meta.pk && last.rel.kind == RelKind::ForeignKey => {
                            Column {
                                table: TableName::Table(last.rel.owner.table),
                                name: last.rel.near_col,
                                field: Some(last.rel.fk_field),
                                path: last.prev,
                            }
                        }
                        _ => Column {
                            table: TableName::Table(meta.table),
                            name: field.column,
                            field: Some(index),
                            path: prev,
                        },
                    };
                    let target = Target {
                        column,
                        field,
                        relation: None,
                        nullable: null || field.nullable,
                    };
                    return Ok((target, rest));
                }
            }
        }
        if let Some(rel) = attname(meta, name) {
            // `album_id`: the key column; no step follows it.
            return Ok((relation_target(meta, rel, prev, null)?, rest));
        }
        if let Some(rel) = relation(meta, name) {
            if let Some(&next) = rest.first()
                && names_something(rel.to, next)
            {
                prev = Some(node(rel, prev)?);
                null |= rel.nullable;
                meta = rel.to;
                i += 1;
                continue;
            }
            if let Some(&next) = rest.first()
                && Lookup::parse(next).is_none()
            {
                return Err(cannot_resolve(next, rel.to));
            }
            return Ok((relation_target(meta, rel, prev, null)?, rest));
        }
        return Err(cannot_resolve(name, meta));
    }
}

/// A relation named alone: the column that holds the related row's key
/// (the typed `rel.id()`, and `rel.isnull`/`rel.eq` compare the same
/// column): a foreign key's own column (no join), else the primary key of
/// the rows reached (a join).
fn relation_target(
    meta: &'static ModelMeta,
    rel: &'static RelMeta,
    prev: Option<&'static PathNode>,
    null: bool,
) -> Result<Target> {
    let to = rel.to;
    if to.fields.is_empty() {
        return Err(cannot_resolve(rel.name, meta));
    }
    let column = if rel.kind == RelKind::ForeignKey {
        Column {
            table: TableName::Table(meta.table),
            name: rel.near_col,
            field: Some(rel.fk_field),
            path: prev,
        }
    } else {
        Column {
            table: TableName::Table(to.table),
            name: to.pk_field().column,
            field: Some(to.pk),
            path: Some(node(rel, prev)?),
        }
    };
    Ok(Target {
        column,
        field: to.pk_field(),
        relation: Some(rel),
        nullable: null || rel.nullable,
    })
}

// ---------------------------------------------------------------------------
// Names for messages.

/// Django's class name for a field.
fn kind_name(field: &FieldMeta) -> &'static str {
    if field.foreign_key.is_some() {
        return "ForeignKey";
    }
    match field.sql_type {
        t if t.is_integer() => "IntegerField",
        SqlType::F32 | SqlType::F64 => "FloatField",
        SqlType::Bool => "BooleanField",
        SqlType::Text if field.email => "EmailField",
        SqlType::Text if field.url => "URLField",
        SqlType::Text if field.max_length.is_some() => "CharField",
        SqlType::Text => "TextField",
        SqlType::Blob => "BinaryField",
        SqlType::Date => "DateField",
        SqlType::DateTime | SqlType::DateTimeUtc => "DateTimeField",
        SqlType::Decimal => "DecimalField",
        _ => "Field",
    }
}

/// Django's class name for a relation named alone.
fn relation_kind_name(rel: &RelMeta) -> &'static str {
    match rel.kind {
        RelKind::ForeignKey => "ForeignKey",
        RelKind::Reverse if rel.to_many => "ManyToOneRel",
        RelKind::Reverse => "OneToOneRel",
        // The reverse side of a `ManyToMany<T>` field is a `Related<T>`
        // one, not among the owner's `ManyToMany<T>` fields.
        RelKind::ManyToMany if rel.owner.many_to_many.iter().any(|m| m.name == rel.name) => {
            "ManyToManyField"
        }
        RelKind::ManyToMany => "ManyToManyRel",
    }
}

/// The Rust type of values of `sql`.
fn rust_type(sql: SqlType) -> &'static str {
    match sql {
        SqlType::I8 => "i8",
        SqlType::I16 => "i16",
        SqlType::I32 => "i32",
        SqlType::I64 => "i64",
        SqlType::U8 => "u8",
        SqlType::U16 => "u16",
        SqlType::U32 => "u32",
        SqlType::F32 => "f32",
        SqlType::F64 => "f64",
        SqlType::Bool => "bool",
        SqlType::Text => "String",
        SqlType::Blob => "Vec<u8>",
        SqlType::Date => "NaiveDate",
        SqlType::DateTime => "NaiveDateTime",
        SqlType::DateTimeUtc => "DateTime<Utc>",
        SqlType::Decimal => "Decimal",
    }
}

/// The lookups allowed on `target`, sorted.
fn allowed(target: &Target) -> Vec<Lookup> {
    Lookup::ALL
        .into_iter()
        .filter(|l| {
            l.allowed_on(target.field.sql_type, target.nullable)
                && (target.relation.is_none() || l.on_relation())
        })
        .collect()
}

fn names(lookups: &[Lookup]) -> String {
    lookups
        .iter()
        .map(|l| l.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn unsupported(lookup: &str, target: &Target) -> Error {
    let valid = names(&allowed(target));
    let isnull_note = if lookup == "isnull" {
        " (isnull needs an Option field, or a path through a nullable or to-many relation)"
    } else {
        ""
    };
    Error::FieldError(match target.relation {
        Some(rel) => format!(
            "Related Field got invalid lookup: {lookup}. '{}' is a {}; its lookups are: {valid}{isnull_note}, or a field of {}: {}.",
            rel.name,
            relation_kind_name(rel),
            rel.to.name,
            choices(rel.to),
        ),
        None => {
            let ty = rust_type(target.field.sql_type);
            let ty = if target.nullable {
                format!("Option<{ty}>")
            } else {
                ty.to_owned()
            };
            format!(
                "Unsupported lookup '{lookup}' for {} or join on the field not permitted. '{}' is {ty}; its lookups are: {valid}{isnull_note}.",
                kind_name(target.field),
                target.field.name,
            )
        }
    })
}

/// `s` as Python's `repr` writes a string (Django's messages quote values
/// so).
fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {
                let n = u32::from(c);
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else {
                    out.push_str(&format!("\\u{n:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

// ---------------------------------------------------------------------------
// Values.

const BOOLS: &str = "true, false, 1, 0, on, off, True, False";

/// `text` as a value of `field`'s type, bound exactly as the typed API
/// binds that type (see `types.rs`).
fn parse_value(field: &FieldMeta, text: &str) -> Result<Value> {
    let name = field.name;
    let sql = field.sql_type;
    let number = |expected: &str| {
        Error::FieldError(format!(
            "Field '{name}' expected {expected} but got {}.",
            py_repr(text)
        ))
    };
    if sql.is_integer() {
        let (lo, hi) = match sql {
            SqlType::I8 => (i64::from(i8::MIN), i64::from(i8::MAX)),
            SqlType::I16 => (i64::from(i16::MIN), i64::from(i16::MAX)),
            SqlType::I32 => (i64::from(i32::MIN), i64::from(i32::MAX)),
            SqlType::U8 => (0, i64::from(u8::MAX)),
            SqlType::U16 => (0, i64::from(u16::MAX)),
            SqlType::U32 => (0, i64::from(u32::MAX)),
            _ => (i64::MIN, i64::MAX),
        };
        let digits = text.trim();
        let unsigned = digits.strip_prefix(['-', '+']).unwrap_or(digits);
        let out_of_range = || number(&format!("a number from {lo} to {hi} ({})", rust_type(sql)));
        return match digits.parse::<i64>() {
            Ok(n) if (lo..=hi).contains(&n) => Ok(Value::Integer(n)),
            Ok(_) => Err(out_of_range()),
            // All digits, but too many for an i64.
            Err(_) if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) => {
                Err(out_of_range())
            }
            Err(_) => Err(number("a number")),
        };
    }
    match sql {
        SqlType::F32 => text
            .trim()
            .parse::<f32>()
            .map(|x| Value::Real(f64::from(x)))
            .map_err(|_| number("a number")),
        SqlType::F64 => text
            .trim()
            .parse::<f64>()
            .map(Value::Real)
            .map_err(|_| number("a number")),
        SqlType::Bool => match text.trim() {
            "true" | "True" | "1" | "on" => Ok(Value::Integer(1)),
            "false" | "False" | "0" | "off" => Ok(Value::Integer(0)),
            _ => Err(Error::FieldError(format!(
                "Field '{name}': “{text}” value must be either True or False (one of: {BOOLS})."
            ))),
        },
        SqlType::Text => Ok(Value::Text(text.to_owned())),
        SqlType::Blob => Ok(Value::Blob(text.as_bytes().to_vec())),
        #[cfg(feature = "chrono")]
        SqlType::Date => dates::date(name, text),
        #[cfg(feature = "chrono")]
        SqlType::DateTime => dates::datetime(name, text, false),
        #[cfg(feature = "chrono")]
        SqlType::DateTimeUtc => dates::datetime(name, text, true),
        #[cfg(feature = "decimal")]
        SqlType::Decimal => text
            .trim()
            .parse::<rust_decimal::Decimal>()
            .map(|d| crate::types::FieldType::to_value(&d))
            .map_err(|_| {
                Error::FieldError(format!(
                    "Field '{name}': “{text}” value must be a decimal number."
                ))
            }),
        other => Err(Error::FieldError(format!(
            "Field '{name}' has a type ({}) that lookup strings can't parse.",
            other.name()
        ))),
    }
}

#[cfg(feature = "chrono")]
mod dates {
    //! Dates and times as Django's `parse_date` and `parse_datetime` read
    //! them, bound as the typed API binds `chrono`'s types.

    use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

    use crate::error::{Error, Result};
    use crate::types::FieldType;
    use crate::value::Value;

    /// `1` to `max` ASCII digits.
    fn digits(s: &str, max: usize) -> Option<u32> {
        (!s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    }

    /// `YYYY-MM-DD` (month and day of one or two digits), as numbers.
    fn ymd(s: &str) -> Option<(i32, u32, u32)> {
        let mut it = s.split('-');
        let (y, m, d) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() || y.len() != 4 {
            return None;
        }
        Some((
            i32::try_from(digits(y, 4)?).ok()?,
            digits(m, 2)?,
            digits(d, 2)?,
        ))
    }

    /// `HH:MM[:ss[.uuuuuu]]` as numbers (microseconds padded, as Django
    /// does; digits past the sixth are ignored).
    fn hms(s: &str) -> Option<(u32, u32, u32, u32)> {
        let mut it = s.splitn(3, ':');
        let (h, m) = (digits(it.next()?, 2)?, digits(it.next()?, 2)?);
        let (sec, micro) = match it.next() {
            None => (0, 0),
            Some(rest) => {
                let (sec, frac) = match rest.find(['.', ',']) {
                    Some(at) => (&rest[..at], Some(&rest[at + 1..])),
                    None => (rest, None),
                };
                let micro = match frac {
                    None => 0,
                    Some(f) => {
                        if f.is_empty() || f.len() > 12 || !f.bytes().all(|b| b.is_ascii_digit()) {
                            return None;
                        }
                        let six = &f[..f.len().min(6)];
                        let n: u32 = six.parse().ok()?;
                        n * 10u32.pow(6 - six.len() as u32)
                    }
                };
                (digits(sec, 2)?, micro)
            }
        };
        Some((h, m, sec, micro))
    }

    /// A time zone: `Z`, `+HH`, `+HHMM` or `+HH:MM`, as seconds east.
    fn offset(s: &str) -> Option<i32> {
        if s == "Z" {
            return Some(0);
        }
        let sign = match s.as_bytes().first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let rest = &s[1..];
        if !rest.is_ascii() {
            return None;
        }
        let (h, m) = match rest.len() {
            2 => (rest, "00"),
            4 => (&rest[..2], &rest[2..]),
            5 if rest.as_bytes()[2] == b':' => (&rest[..2], &rest[3..]),
            _ => return None,
        };
        let (h, m) = (digits(h, 2)?, digits(m, 2)?);
        Some(sign * i32::try_from(h * 3600 + m * 60).ok()?)
    }

    pub(super) fn date(name: &str, text: &str) -> Result<Value> {
        let Some((y, m, d)) = ymd(text.trim()) else {
            return Err(Error::FieldError(format!(
                "Field '{name}': “{text}” value has an invalid date format. It must be in YYYY-MM-DD format."
            )));
        };
        match NaiveDate::from_ymd_opt(y, m, d) {
            Some(date) => Ok(date.to_value()),
            None => Err(Error::FieldError(format!(
                "Field '{name}': “{text}” value has the correct format (YYYY-MM-DD) but it is an invalid date."
            ))),
        }
    }

    /// A date and time (`T` or a space between them, an optional time zone
    /// converted to UTC), or a date alone (midnight), as Django's
    /// `DateTimeField` reads one.
    pub(super) fn datetime(name: &str, text: &str, utc: bool) -> Result<Value> {
        let format = || {
            Error::FieldError(format!(
                "Field '{name}': “{text}” value has an invalid format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format."
            ))
        };
        let invalid = || {
            Error::FieldError(format!(
                "Field '{name}': “{text}” value has the correct format (YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ]) but it is an invalid date/time."
            ))
        };
        let s = text.trim();
        let (date_part, time_part) = match s.find(['T', ' ']) {
            Some(at) => (&s[..at], Some(s[at + 1..].trim_start())),
            None => (s, None),
        };
        let (y, mo, d) = ymd(date_part).ok_or_else(format)?;
        let (time, tz) = match time_part {
            None => ((0, 0, 0, 0), None),
            Some(t) => {
                let split = t
                    .find(['Z', '+', '-'])
                    .map_or((t, None), |at| (t[..at].trim_end(), Some(&t[at..])));
                let tz = match split.1 {
                    Some(z) => Some(offset(z).ok_or_else(format)?),
                    None => None,
                };
                (hms(split.0).ok_or_else(format)?, tz)
            }
        };
        let date = NaiveDate::from_ymd_opt(y, mo, d).ok_or_else(invalid)?;
        let time =
            NaiveTime::from_hms_micro_opt(time.0, time.1, time.2, time.3).ok_or_else(invalid)?;
        let mut at = NaiveDateTime::new(date, time);
        if let Some(east) = tz {
            at = at
                .checked_sub_signed(chrono::TimeDelta::seconds(i64::from(east)))
                .ok_or_else(invalid)?;
        }
        Ok(if utc {
            at.and_utc().to_value()
        } else {
            at.to_value()
        })
    }
}

/// `isnull`'s value.
fn parse_isnull(lookup: &str, text: &str) -> Result<bool> {
    match text.trim() {
        "true" | "True" | "1" => Ok(true),
        "false" | "False" | "0" => Ok(false),
        _ => Err(Error::FieldError(format!(
            "The QuerySet value for an isnull lookup must be True or False. Got {} for '{lookup}' (one of: true, false, 1, 0, True, False).",
            py_repr(text)
        ))),
    }
}

// ---------------------------------------------------------------------------
// Conditions and orderings.

/// The condition of `lookup=value` on `meta`'s rows: the one the typed
/// lookup builds.
fn condition(meta: &'static ModelMeta, lookup: &str, value: &str) -> Result<Cond> {
    let parts: Vec<&str> = lookup.split("__").collect();
    let (target, rest) = resolve(meta, &parts)?;
    let lookup_name = match rest {
        [] => "exact",
        [one] => one,
        many => return Err(unsupported(&many.join("__"), &target)),
    };
    let Some(op) = Lookup::parse(lookup_name).filter(|l| allowed(&target).contains(l)) else {
        return Err(unsupported(lookup_name, &target));
    };
    let lhs = Expr::Column(target.column);
    let nullable = target.nullable;
    let field = target.field;
    if let Some(cmp) = op.cmp() {
        return Ok(Cond::Cmp {
            lhs,
            op: cmp,
            rhs: Expr::Value(parse_value(field, value)?),
            nullable,
        });
    }
    if matches!(op, Lookup::Regex | Lookup::IRegex) {
        return Ok(Cond::Regex {
            lhs,
            pattern: Value::Text(value.to_owned()),
            case_insensitive: op == Lookup::IRegex,
            nullable,
        });
    }
    if let Some((text_op, case_insensitive)) = op.text_op() {
        return Ok(Cond::Text {
            lhs,
            op: text_op,
            case_insensitive,
            needle: Value::Text(value.to_owned()),
            nullable,
        });
    }
    Ok(match op {
        Lookup::In => Cond::In {
            lhs,
            values: if value.is_empty() {
                Vec::new()
            } else {
                value
                    .split(',')
                    .map(|v| parse_value(field, v))
                    .collect::<Result<_>>()?
            },
            nullable,
        },
        Lookup::Range => {
            let mut ends = value.split(',');
            let (Some(lo), Some(hi), None) = (ends.next(), ends.next(), ends.next()) else {
                return Err(Error::FieldError(format!(
                    "Field '{}' expected two comma-separated values (low,high) for a range lookup but got {}.",
                    field.name,
                    py_repr(value)
                )));
            };
            Cond::Range {
                lhs,
                lo: parse_value(field, lo)?,
                hi: parse_value(field, hi)?,
                nullable,
            }
        }
        Lookup::IsNull => Cond::IsNull {
            lhs,
            is_null: parse_isnull(lookup, value)?,
        },
        // (The comparisons and text lookups returned above.)
        _ => return Err(unsupported(lookup_name, &target)),
    })
}

/// `ORDER BY` terms from a lookup string's ordering (see
/// [`QuerySet::order_by_str`]).
struct StrOrder<M>(Vec<OrderTerm>, std::marker::PhantomData<fn() -> M>);

impl<M> IntoOrder<M> for StrOrder<M> {
    fn push_order(self, out: &mut OrderTerms) {
        for term in self.0 {
            out.0.push(term);
        }
    }
}

fn order_terms(meta: &'static ModelMeta, ordering: &str) -> Result<Vec<OrderTerm>> {
    if ordering.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut terms = Vec::new();
    for term in ordering.split(',') {
        let term = term.trim();
        let (desc, path) = match term.strip_prefix('-') {
            Some(p) => (true, p),
            None => (false, term),
        };
        if path.is_empty() || path == "?" {
            return Err(Error::FieldError(format!(
                "Invalid order_by arguments: [{}]. Order by a field name, '-' before it for descending, separated by commas: {}.",
                py_repr(term),
                choices(meta)
            )));
        }
        let parts: Vec<&str> = path.split("__").collect();
        let (target, rest) = resolve(meta, &parts)?;
        if let Some(first) = rest.first() {
            // A lookup name where a field is expected.
            return Err(cannot_resolve(
                first,
                target.relation.map_or(meta_of(&target, meta), |r| r.to),
            ));
        }
        terms.push(OrderTerm {
            expr: Expr::Column(target.column),
            desc,
        });
    }
    Ok(terms)
}

/// The model whose field `target` is (for messages).
fn meta_of(target: &Target, root: &'static ModelMeta) -> &'static ModelMeta {
    target.column.path.map_or(root, |p| p.rel.to)
}

impl<M: Model, S: Shape<M>> QuerySet<M, S> {
    /// [`filter`](QuerySet::filter) by a lookup string and its value as
    /// text: Django's `filter(**{"price__lte": "500"})`.
    ///
    /// `lookup` is field names joined by `__` (relations followed to any
    /// depth, `pk` for the primary key, `album` or `album_id` for a
    /// foreign key's column), then optionally a lookup: `exact` (the
    /// default), `iexact`, `contains`, `icontains`, `startswith`,
    /// `istartswith`, `endswith`, `iendswith`, `gt`, `gte`, `lt`, `lte`,
    /// `in` (values separated by commas; empty: no value), `range` (two
    /// values separated by a comma), `isnull` (`true`, `false`, `1`, `0`,
    /// `True`, `False`). Each is allowed where the typed lookup is, and
    /// `value` is parsed as the field's type (integers in the type's range;
    /// `bool` as `true`, `false`, `1`, `0`, `on`, `off`, `True`, `False`;
    /// dates `YYYY-MM-DD`; date-times ISO 8601; text as it is). The result
    /// is exactly the typed form's: the same SQL and parameters, and one
    /// call is one `filter()` call (across a to-many relation its
    /// conditions refer to the same related rows).
    ///
    /// An unknown field, a lookup the field doesn't have, or a value that
    /// doesn't parse is [`Error::FieldError`], with Django's wording and
    /// what would be valid.
    ///
    /// ```
    /// # use query::prelude::*;
    /// # #[derive(Model)] pub struct Product { pub id: i64, pub name: String, pub price: i64 }
    /// # fn main() -> query::Result<()> {
    /// use product::*;
    /// let qs = Product::objects().filter_str("price__lte", "500")?;
    /// assert_eq!(qs.to_sql(), Product::objects().filter(price.lte(500)).to_sql());
    /// assert!(qs.to_sql().0.ends_with(r#"WHERE "price" <= ?"#));
    /// let err = Product::objects().filter_str("prise", "500").unwrap_err();
    /// assert_eq!(err.to_string(), "Cannot resolve keyword 'prise' into field. Choices are: id, name, price.");
    /// # Ok(())
    /// # }
    /// ```
    pub fn filter_str(self, lookup: &str, value: &str) -> Result<Self> {
        let cond = condition(M::META, lookup, value)?;
        Ok(self.filter(Q::<M>::from_node(cond)))
    }

    /// [`exclude`](QuerySet::exclude) by a lookup string and its value as
    /// text: the same rules as [`filter_str`](QuerySet::filter_str).
    ///
    /// ```
    /// # use query::prelude::*;
    /// # #[derive(Model)] pub struct Product { pub id: i64, pub description: Option<String> }
    /// # fn main() -> query::Result<()> {
    /// let (sql, _) = Product::objects().exclude_str("description", "x")?.to_sql();
    /// assert!(sql.ends_with(r#"WHERE ("description" = ?) IS NOT TRUE"#));
    /// # Ok(())
    /// # }
    /// ```
    pub fn exclude_str(self, lookup: &str, value: &str) -> Result<Self> {
        let cond = condition(M::META, lookup, value)?;
        Ok(self.exclude(Q::<M>::from_node(cond)))
    }

    /// Filters by a query string (`application/x-www-form-urlencoded`, a
    /// leading `?` allowed): each `lookup=value` pair is one
    /// [`filter_str`](QuerySet::filter_str) call, and the pairs are ANDed.
    /// Every key must be a lookup string: take out other parameters (a
    /// page number, an ordering) first.
    ///
    /// ```
    /// # use query::prelude::*;
    /// # #[derive(Model)] pub struct Product { pub id: i64, pub name: String, pub price: i64 }
    /// # fn main() -> query::Result<()> {
    /// let (sql, params) = Product::objects().filter_query("price__lte=500&name__icontains=sony+tv")?.to_sql();
    /// assert!(sql.contains(r#"WHERE "price" <= ? AND "#));
    /// assert_eq!(params, [Value::Integer(500), Value::Text("sony tv".into())]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn filter_query(self, query_string: &str) -> Result<Self> {
        let query_string = query_string.strip_prefix('?').unwrap_or(query_string);
        let mut qs = self;
        for (key, value) in url::form_urlencoded::parse(query_string.as_bytes()) {
            qs = qs.filter_str(&key, &value)?;
        }
        Ok(qs)
    }

    /// [`order_by`](QuerySet::order_by) from text: field names (or relation
    /// paths, `album__title`) separated by commas, each with `-` before it
    /// for descending: Django's `order_by("-album__title", "name")`.
    /// Replaces any earlier ordering; an empty string removes it.
    ///
    /// ```
    /// # use query::prelude::*;
    /// # #[derive(Model)] pub struct Product { pub id: i64, pub name: String, pub price: i64 }
    /// # fn main() -> query::Result<()> {
    /// let (sql, _) = Product::objects().order_by_str("-price,name")?.to_sql();
    /// assert!(sql.ends_with(r#"ORDER BY "price" DESC, "name""#));
    /// # Ok(())
    /// # }
    /// ```
    pub fn order_by_str(self, ordering: &str) -> Result<Self> {
        let terms = order_terms(M::META, ordering)?;
        Ok(self.order_by(StrOrder::<M>(terms, std::marker::PhantomData)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_repr() {
        assert_eq!(py_repr("abc"), "'abc'");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_repr("a\\b\n\u{1}"), "'a\\\\b\\n\\x01'");
        assert_eq!(py_repr("ünï"), "'ünï'");
    }

    #[test]
    fn lookups_are_sorted_and_named_back() {
        let names: Vec<_> = Lookup::ALL.iter().map(|l| l.name()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        for l in Lookup::ALL {
            assert_eq!(Lookup::parse(l.name()), Some(l));
        }
    }

    #[cfg(feature = "chrono")]
    #[test]
    fn dates_as_django_reads_them() {
        let t = |s: &str| dates::datetime("f", s, false).ok();
        let text = |s: &str| Some(Value::Text(s.into()));
        assert_eq!(t("2020-01-02T03:04:05"), text("2020-01-02 03:04:05"));
        assert_eq!(t("2020-1-2 3:04"), text("2020-01-02 03:04:00"));
        assert_eq!(t("2020-01-02 03:04:05.5"), text("2020-01-02 03:04:05.500"));
        assert_eq!(
            t("2020-01-02 03:04:05.1234567"),
            text("2020-01-02 03:04:05.123456")
        );
        assert_eq!(t("2020-01-02 03:04:05+01:00"), text("2020-01-02 02:04:05"));
        assert_eq!(t("2020-01-02 03:04:05Z"), text("2020-01-02 03:04:05"));
        assert_eq!(t("2020-01-02"), text("2020-01-02 00:00:00"));
        assert_eq!(t("2020-02-30 00:00"), None);
        assert_eq!(t("2020-01-02 25:00"), None);
        assert_eq!(t("20-01-02"), None);
        assert_eq!(t("2020-01-02 03:04:05+1"), None);
        assert_eq!(
            dates::datetime("f", "2020-01-02 03:04:05-02", true).ok(),
            text("2020-01-02 05:04:05+00:00")
        );
        assert_eq!(dates::date("f", "2020-2-3").ok(), text("2020-02-03"));
        assert!(dates::date("f", "2020-02-30").is_err());
        assert!(dates::date("f", "2020-02-03x").is_err());
    }
}
