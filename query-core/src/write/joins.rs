//! The joins a statement's relation paths need, as Django makes them.
//!
//! Every column reached through a path (`track::album.artist().name()`)
//! needs one join per step. A step is joined once per statement and reused
//! by every column that follows it (the same steps from the root, compared
//! by content). A join is `INNER` unless a NULL must come through it:
//! then it is `LEFT OUTER`, from the first step that can give NULL (a
//! nullable foreign key, a to-many step) on, and every join after a
//! `LEFT OUTER` one is `LEFT OUTER` too. A NULL must come through where a
//! row without a related row can still be selected: under `OR` or `NOT`,
//! in `isnull(true)`, in `ORDER BY` (Django keeps the rows whose related
//! row is missing, ordered as NULLs) and in the selected columns.

use crate::tree::{Cond, Expr, PathNode, RelKind};

/// One join of a statement: the step, its alias `T<n>`, its kind, and the
/// `filter()` call it belongs to (0 for steps shared by every call: paths
/// that are to-one up to and including this step).
#[derive(Debug, Clone)]
pub(crate) struct PlannedJoin {
    pub node: &'static PathNode,
    pub alias: u16,
    pub left: bool,
    pub group: u32,
}

/// The group a step of a path is joined in: its `filter()` call's once the
/// path has gone through a to-many step, else the shared group 0.
pub(crate) fn group_of(node: &PathNode, group: u32) -> u32 {
    if node.to_many() { group } else { 0 }
}

/// What a scope's columns without a path belong to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Base {
    /// The statement's table, under its own name.
    Table(&'static str),
    /// A subquery's table, under the alias `U<n>`.
    Alias(u16),
}

/// The tables a statement (or subquery) reads: its base and its joins.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub base: Base,
    pub joins: Vec<PlannedJoin>,
}

impl Scope {
    /// The alias of the join for `node`'s steps in `filter()` group `group`.
    pub fn alias(&self, node: &PathNode, group: u32) -> Option<u16> {
        let group = group_of(node, group);
        self.joins
            .iter()
            .find(|j| j.group == group && j.node.same(node))
            .map(|j| j.alias)
    }
}

/// Collects the joins the columns of a statement need.
pub(crate) struct Planner<'n> {
    pub joins: Vec<PlannedJoin>,
    next_alias: &'n mut u16,
    group: u32,
}

impl<'n> Planner<'n> {
    pub fn new(next_alias: &'n mut u16) -> Self {
        Planner {
            joins: Vec::new(),
            next_alias,
            group: 0,
        }
    }

    /// The joins of `node`'s steps; `left` when a NULL must come through.
    pub fn path(&mut self, node: &'static PathNode, left: bool) {
        let steps = node.steps();
        let mut nullable_so_far = false;
        for step in steps {
            nullable_so_far |= step.rel.nullable;
            let want_left = left && nullable_so_far;
            let group = group_of(step, self.group);
            match self
                .joins
                .iter_mut()
                .find(|j| j.group == group && j.node.same(step))
            {
                Some(j) => j.left |= want_left,
                None => {
                    *self.next_alias += 1;
                    let alias = *self.next_alias;
                    self.joins.push(PlannedJoin {
                        node: step,
                        alias,
                        left: want_left,
                        group,
                    });
                }
            }
        }
    }

    pub fn expr(&mut self, e: &Expr, left: bool) {
        match e {
            Expr::Column(c) => {
                if let Some(node) = c.path {
                    self.path(node, left);
                }
            }
            Expr::Value(_) => {}
            Expr::Func(_, args) => args.iter().for_each(|a| self.expr(a, left)),
            // An aggregate counts a row without related rows too (0, or
            // NULL for a sum): its joins are `LEFT OUTER`, as Django's.
            Expr::Aggregate { arg, .. } => {
                if let Some(a) = arg {
                    self.expr(a, true);
                }
            }
            Expr::Binary(l, _, r) => {
                self.expr(l, left);
                self.expr(r, left);
            }
            Expr::Cast(e, _) => self.expr(e, left),
            Expr::Group(g, e) => {
                let outer = std::mem::replace(&mut self.group, *g);
                self.expr(e, left);
                self.group = outer;
            }
        }
    }

    /// `left`: the condition is under `OR` or `NOT`.
    pub fn cond(&mut self, c: &Cond, left: bool) {
        match c {
            Cond::Empty | Cond::Exists { .. } | Cond::SelfIn { .. } | Cond::InPairs { .. } => {}
            Cond::Group(g, inner) => {
                let outer = std::mem::replace(&mut self.group, *g);
                self.cond(inner, left);
                self.group = outer;
            }
            Cond::Cmp { lhs, rhs, .. } => {
                self.expr(lhs, left);
                self.expr(rhs, left);
            }
            Cond::Text { lhs, .. }
            | Cond::Regex { lhs, .. }
            | Cond::In { lhs, .. }
            | Cond::Range { lhs, .. } => self.expr(lhs, left),
            Cond::IsNull { lhs, is_null } => self.expr(lhs, left || *is_null),
            Cond::And(conds) => conds.iter().for_each(|c| self.cond(c, left)),
            Cond::Or(conds) => conds.iter().for_each(|c| self.cond(c, true)),
            Cond::Not(inner) => self.cond(inner, true),
        }
    }

    /// The joins, each `LEFT OUTER` when the one before it is.
    pub fn finish(mut self) -> Vec<PlannedJoin> {
        for i in 0..self.joins.len() {
            let group = self.joins[i].group;
            if let Some(prev) = self.joins[i].node.prev
                && let Some(p) = self.joins[..i]
                    .iter()
                    .find(|j| j.group == group_of(prev, group) && j.node.same(prev))
                && p.left
            {
                self.joins[i].left = true;
            }
        }
        self.joins
    }
}

/// Whether `kind` joins through a table of pairs.
pub(crate) fn through(kind: RelKind) -> bool {
    kind == RelKind::ManyToMany
}
