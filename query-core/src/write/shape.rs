//! The statement text of common query shapes, cached per model and
//! backend, so that a query set run again with other values is not
//! written again.
//!
//! Only the simplest and commonest shape is cached: a model's rows read
//! from its one table, filtered by an `AND` of comparisons between its own
//! columns and values (`pk = ?`, `price >= ? AND price < ?`), ordered by its
//! own columns, sliced. For such a statement the text depends on the shape
//! alone (which fields, which operators, the order, the slice, which are
//! literals), and every bound value is a comparison's right side, bound in
//! the order of the `AND`: so the text is written once (by the writer, on
//! the first run: the cache can't disagree with it) and each later run
//! only collects its values. Anything else (paths, text lookups, `IN`
//! lists, NaN, aggregates, `select_related`...) is written every time.

use std::borrow::Cow;
use std::sync::Mutex;

use crate::tree::{Cmp, Cond, Expr, From, OrderTerm, Select, SelectColumns};
use crate::value::Value;

/// The longest key kept (a shape with more conditions or ordering terms is
/// written every time): on the stack, so finding a shape allocates nothing.
const MAX_KEY: usize = 24;

/// A shape's key, built on the stack.
pub(crate) struct Key {
    words: [u32; MAX_KEY],
    len: usize,
}

impl Key {
    fn push(&mut self, word: u32) -> Option<()> {
        *self.words.get_mut(self.len)? = word;
        self.len += 1;
        Some(())
    }

    fn as_slice(&self) -> &[u32] {
        &self.words[..self.len]
    }
}

/// At most this many shapes are kept per model and backend (a program has
/// a handful of hot query shapes per model; the rest are written each time).
const MAX_SHAPES: usize = 32;

/// One cached shape: its key and its text.
type Shape = (Box<[u32]>, Box<str>);

/// A model's cached shapes on one backend.
#[derive(Debug, Default)]
pub(crate) struct Shapes(Mutex<Vec<Shape>>);

impl Shapes {
    pub(crate) const fn new() -> Self {
        Shapes(Mutex::new(Vec::new()))
    }

    /// Appends the text cached for `key` to `out`; false when there is none.
    pub(crate) fn copy_into(&self, key: &Key, out: &mut String) -> bool {
        let key = key.as_slice();
        let Ok(shapes) = self.0.lock() else {
            return false;
        };
        match shapes.iter().find(|(k, _)| **k == *key) {
            Some((_, text)) => {
                out.push_str(text);
                true
            }
            None => false,
        }
    }

    /// Keeps `text` for `key` (unless the cache is full).
    pub(crate) fn insert(&self, key: &Key, text: &str) {
        let key = key.as_slice();
        if let Ok(mut shapes) = self.0.lock()
            && shapes.len() < MAX_SHAPES
            && !shapes.iter().any(|(k, _)| **k == *key)
        {
            shapes.push((key.into(), text.into()));
        }
    }
}

/// The shape's key, and its bound values in the order the writer binds
/// them; `None` for a statement that is not of the cached shape.
pub(crate) fn key<'a>(s: &'a Select<'a>) -> Option<(Key, Vec<Cow<'a, Value>>)> {
    if !matches!(s.columns, SelectColumns::Model(_))
        || !matches!(s.from, From::Table(_))
        || !s.joins.is_empty()
        || !s.related.is_empty()
        || !s.extra.is_empty()
        || !s.group_by.is_empty()
        || s.having.is_some_and(|h| *h != Cond::Empty)
        || s.for_update
        || s.nothing
    {
        return None;
    }
    let mut key = Key {
        words: [0; MAX_KEY],
        len: 0,
    };
    // (Allocated on the first value: a statement of another shape is
    // turned away without an allocation.)
    let mut values = Vec::new();
    key.push(u32::from(s.distinct))?;
    match s.filter {
        None | Some(Cond::Empty) => key.push(0)?,
        Some(Cond::And(parts)) => {
            key.push(u32::try_from(parts.len()).ok()?)?;
            for c in parts {
                comparison(c, &mut key, &mut values)?;
            }
        }
        Some(c) => {
            key.push(1)?;
            comparison(c, &mut key, &mut values)?;
        }
    }
    key.push(u32::try_from(s.order.len()).ok()?)?;
    for OrderTerm { expr, desc } in s.order.iter() {
        key.push(own_field(expr)? * 2 + u32::from(*desc))?;
    }
    // LIMIT and OFFSET are literals in the text.
    let (limit, has_limit) = (s.limit.unwrap_or(0), s.limit.is_some());
    for word in [
        u32::from(has_limit),
        (limit >> 32) as u32,
        limit as u32,
        (s.offset >> 32) as u32,
        s.offset as u32,
    ] {
        key.push(word)?;
    }
    Some((key, values))
}

/// The field number of a column of the model's own table.
fn own_field(e: &Expr) -> Option<u32> {
    match e {
        Expr::Column(c) if c.path.is_none() => u32::try_from(c.field?).ok(),
        _ => None,
    }
}

/// `column <op> value`: its part of the key, and its value.
fn comparison<'a>(c: &'a Cond, key: &mut Key, values: &mut Vec<Cow<'a, Value>>) -> Option<()> {
    let Cond::Cmp { lhs, op, rhs, .. } = c else {
        return None;
    };
    let Expr::Value(v) = rhs else {
        return None;
    };
    // NaN is written specially on SQLite (and NULL never is a lookup's
    // value); lists go as one bound value: not this shape.
    if v.is_nan() || matches!(v, Value::Null | Value::List(_)) {
        return None;
    }
    let op = match op {
        Cmp::Eq => 0,
        Cmp::Ne => 1,
        Cmp::Gt => 2,
        Cmp::Gte => 3,
        Cmp::Lt => 4,
        Cmp::Lte => 5,
    };
    key.push(own_field(lhs)? * 8 + op)?;
    values.push(Cow::Borrowed(v));
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::Column;

    fn field(index: usize) -> Expr {
        Expr::Column(Column::of_field("t", "c", index))
    }

    fn cmp(index: usize, op: Cmp, v: Value) -> Cond {
        Cond::Cmp {
            lhs: field(index),
            op,
            rhs: Expr::Value(v),
            nullable: false,
        }
    }

    fn model_select(filter: &Cond) -> Select<'_> {
        // A model's rows: any ModelRef will do for the key.
        static CACHE: crate::meta::StatementCache = crate::meta::StatementCache::new();
        static META: crate::meta::ModelMeta = crate::meta::ModelMeta::new("T", "t", &[], 0);
        Select {
            filter: Some(filter),
            ..Select::new(
                SelectColumns::Model(crate::meta::ModelRef {
                    meta: &META,
                    cache: &CACHE,
                }),
                "t",
            )
        }
    }

    #[test]
    fn the_same_shape_with_other_values_has_the_same_key_and_its_own_values() {
        let a = Cond::And(vec![
            cmp(2, Cmp::Gte, Value::Integer(1)),
            cmp(2, Cmp::Lt, Value::Integer(9)),
        ]);
        let b = Cond::And(vec![
            cmp(2, Cmp::Gte, Value::Integer(5)),
            cmp(2, Cmp::Lt, Value::Integer(7)),
        ]);
        let (sa, sb) = (model_select(&a), model_select(&b));
        let (ka, va) = key(&sa).unwrap();
        let (kb, vb) = key(&sb).unwrap();
        assert_eq!(ka.as_slice(), kb.as_slice());
        assert_eq!(
            va,
            [
                Cow::Owned::<Value>(Value::Integer(1)),
                Cow::Owned(Value::Integer(9))
            ]
        );
        assert_eq!(
            vb,
            [
                Cow::Owned::<Value>(Value::Integer(5)),
                Cow::Owned(Value::Integer(7))
            ]
        );
    }

    #[test]
    fn other_fields_operators_orders_and_slices_are_other_shapes() {
        let base = cmp(0, Cmp::Eq, Value::Integer(1));
        let k = |s: Select<'_>| key(&s).unwrap().0.as_slice().to_vec();
        let plain = k(model_select(&base));
        let other_field = cmp(1, Cmp::Eq, Value::Integer(1));
        let other_op = cmp(0, Cmp::Ne, Value::Integer(1));
        assert_ne!(plain, k(model_select(&other_field)));
        assert_ne!(plain, k(model_select(&other_op)));
        let order = [OrderTerm {
            expr: field(1),
            desc: true,
        }];
        let ordered = Select {
            order: Cow::Borrowed(&order),
            ..model_select(&base)
        };
        assert_ne!(plain, k(ordered.clone()));
        let sliced = Select {
            limit: Some(10),
            ..ordered.clone()
        };
        let sliced2 = Select {
            limit: Some(20),
            ..ordered.clone()
        };
        assert_ne!(k(sliced.clone()), k(sliced2));
        assert_ne!(
            k(sliced),
            k(Select {
                offset: 5,
                limit: Some(10),
                ..ordered
            })
        );
        let distinct = Select {
            distinct: true,
            ..model_select(&base)
        };
        assert_ne!(plain, k(distinct));
    }

    #[test]
    fn a_shape_longer_than_a_key_is_written_every_time() {
        let many = Cond::And(
            (0..30)
                .map(|i| cmp(i, Cmp::Eq, Value::Integer(1)))
                .collect(),
        );
        assert!(key(&model_select(&many)).is_none());
    }

    #[test]
    fn anything_else_is_written_every_time() {
        let nan = cmp(0, Cmp::Ne, Value::Real(f64::NAN));
        assert!(key(&model_select(&nan)).is_none());
        let text = Cond::Text {
            lhs: field(0),
            op: crate::tree::TextOp::Contains,
            case_insensitive: true,
            needle: Value::Text("a".into()),
            nullable: false,
        };
        assert!(key(&model_select(&text)).is_none());
        let or = Cond::Or(vec![
            cmp(0, Cmp::Eq, Value::Integer(1)),
            cmp(0, Cmp::Eq, Value::Integer(2)),
        ]);
        assert!(key(&model_select(&or)).is_none());
        let one = cmp(0, Cmp::Eq, Value::Integer(1));
        let counted = Select {
            columns: SelectColumns::One,
            ..model_select(&one)
        };
        assert!(key(&counted).is_none());
    }
}
