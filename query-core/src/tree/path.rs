//! Relation paths as plain data: the relations a model declares
//! ([`RelMeta`]) and the chains of them a query follows ([`PathNode`]),
//! built at compile time by the typed paths (`crate::path`).

use std::fmt;

use crate::meta::ModelMeta;

/// The kind of a relation step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelKind {
    /// `ForeignKey<T>` / `OneToOne<T>`: the column is on the near side.
    ForeignKey,
    /// `Related<T>` (`reverse = ".."`) naming a foreign key of `T`: the
    /// column is on the far side.
    Reverse,
    /// `ManyToMany<T>`, or `Related<T>` (`reverse = ".."`) naming a
    /// `ManyToMany<Self>` field of `T`: through a table of pairs.
    ManyToMany,
}

/// One relation, as the derive of the model declaring it writes it (a
/// const).
#[derive(Debug)]
pub struct RelMeta {
    /// The declaring model.
    pub owner: &'static ModelMeta,
    /// The relation field's name (Django's lookup step).
    pub name: &'static str,
    /// Foreign key, reverse foreign key or many-to-many (either side).
    pub kind: RelKind,
    /// Whether a row on the near side can have no related row (a nullable
    /// key, or any to-many step).
    pub nullable: bool,
    /// Whether one near row can have many related rows.
    pub to_many: bool,
    /// The model reached.
    pub to: &'static ModelMeta,
    /// The near side's column: the key column (forward), the near primary
    /// key (reverse, many-to-many).
    pub near_col: &'static str,
    /// The far side's column: the far primary key (forward), the key
    /// column (reverse).
    pub far_col: &'static str,
    /// For a foreign key: its index in `owner.fields`.
    pub fk_field: usize,
    /// For a many-to-many: the table of pairs and its two key columns
    /// (near, far).
    pub through: Option<(&'static str, &'static str, &'static str)>,
}

/// Whether two texts are equal, in a `const` (where `==` on `str` can't be
/// used): the compile-time checks of the derives.
pub(crate) const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl RelMeta {
    /// The foreign key `owner.fields[fk_field]` to `to`.
    pub const fn foreign_key(
        owner: &'static ModelMeta,
        name: &'static str,
        fk_field: usize,
        to: &'static ModelMeta,
    ) -> Self {
        let f = &owner.fields[fk_field];
        RelMeta {
            owner,
            name,
            kind: RelKind::ForeignKey,
            nullable: f.nullable,
            to_many: false,
            to,
            near_col: f.column,
            // (A model whose derive failed has no fields: its error is
            // the one the user sees, not an index out of bounds here.)
            far_col: if to.fields.is_empty() {
                ""
            } else {
                to.fields[to.pk].column
            },
            fk_field,
            through: None,
        }
    }

    /// The reverse side of the relation `to.<field>`, which must reach
    /// `owner`: of a foreign key (Django's reverse foreign key, "ManyToOneRel"),
    /// or of a `ManyToMany<T>` field (Django's reverse many-to-many,
    /// "ManyToManyRel": the same table of pairs, its two columns swapped).
    /// `forward` is `to`'s [`Model::FORWARD_RELATIONS`](crate::Model), where
    /// its many-to-many fields are (they are no columns of `to.fields`).
    /// Checked at compile time (a const), so a wrong `reverse = ".."` fails
    /// to compile.
    ///
    /// # Panics
    ///
    /// When `field` is neither a foreign key of `to` pointing at `owner` nor
    /// a many-to-many field of `to` reaching `owner`. The derive calls this
    /// only in a `const` item, where the panic is the compile error the user
    /// reads; it never runs at run time.
    pub const fn reverse(
        owner: &'static ModelMeta,
        name: &'static str,
        to: &'static ModelMeta,
        forward: &'static [&'static RelMeta],
        field: &'static str,
    ) -> Self {
        let mut i = 0;
        while i < to.fields.len() {
            let f = &to.fields[i];
            if str_eq(f.name, field) {
                match f.fk_table {
                    Some(t) if str_eq(t, owner.table) => {}
                    _ => panic!(
                        "`reverse` names a field of the related model that is neither a foreign key nor a many-to-many field to this model"
                    ),
                }
                return RelMeta {
                    owner,
                    name,
                    kind: RelKind::Reverse,
                    nullable: true,
                    to_many: !f.unique,
                    to,
                    near_col: owner.fields[owner.pk].column,
                    far_col: f.column,
                    fk_field: usize::MAX,
                    through: None,
                };
            }
            i += 1;
        }
        let mut i = 0;
        while i < forward.len() {
            let r = forward[i];
            if str_eq(r.name, field) {
                let Some((table, near, far)) = r.through else {
                    // (A foreign key is in `to.fields`, found above.)
                    panic!(
                        "`reverse` names a field that the related model does not have (as a foreign key or a many-to-many field)"
                    )
                };
                if !matches!(r.kind, RelKind::ManyToMany) || !str_eq(r.to.table, owner.table) {
                    panic!(
                        "`reverse` names a many-to-many field of the related model that does not reach this model"
                    );
                }
                return RelMeta {
                    owner,
                    name,
                    kind: RelKind::ManyToMany,
                    nullable: true,
                    to_many: true,
                    to,
                    near_col: r.far_col,
                    far_col: r.near_col,
                    fk_field: usize::MAX,
                    // The same pairs, seen from the other side.
                    through: Some((table, far, near)),
                };
            }
            i += 1;
        }
        panic!(
            "`reverse` names a field that the related model does not have (as a foreign key or a many-to-many field)"
        )
    }

    /// A many-to-many through `table (near, far)`.
    pub const fn many_to_many(
        owner: &'static ModelMeta,
        name: &'static str,
        to: &'static ModelMeta,
        through: (&'static str, &'static str, &'static str),
    ) -> Self {
        RelMeta {
            owner,
            name,
            kind: RelKind::ManyToMany,
            nullable: true,
            to_many: true,
            to,
            near_col: owner.fields[owner.pk].column,
            far_col: to.fields[to.pk].column,
            fk_field: usize::MAX,
            through: Some(through),
        }
    }

    /// A many-to-many through the table of the model `through`, whose two
    /// foreign keys (to `owner`, to `to`) are the pair's columns: checked at
    /// compile time (a const), so a `through = ".."` naming a model without
    /// exactly those two keys fails to compile. When `owner` and `to` are
    /// one model, the first of its two keys to it is the near one.
    ///
    /// # Panics
    ///
    /// When `through` lacks exactly one foreign key to each side; as with
    /// [`reverse`](RelMeta::reverse), only ever in const evaluation.
    pub const fn many_to_many_through(
        owner: &'static ModelMeta,
        name: &'static str,
        to: &'static ModelMeta,
        through: &'static ModelMeta,
    ) -> Self {
        let mut near: Option<&'static str> = None;
        let mut far: Option<&'static str> = None;
        let mut i = 0;
        while i < through.fields.len() {
            let f = &through.fields[i];
            if let Some(t) = f.fk_table {
                if str_eq(t, owner.table) && near.is_none() {
                    near = Some(f.column);
                } else if str_eq(t, to.table) && far.is_none() {
                    far = Some(f.column);
                } else if str_eq(t, owner.table) || str_eq(t, to.table) {
                    panic!(
                        "the `through` model has more than one foreign key to a model of this relation: it needs exactly one to each side"
                    );
                }
            }
            i += 1;
        }
        match (near, far) {
            (Some(near), Some(far)) => RelMeta {
                through: Some((through.table, near, far)),
                ..RelMeta::many_to_many(owner, name, to, ("", "", ""))
            },
            (None, _) => panic!(
                "the `through` model has no foreign key to this model: it needs exactly one to each side"
            ),
            (_, None) => panic!(
                "the `through` model has no foreign key to the model this relation reaches: it needs exactly one to each side"
            ),
        }
    }

    /// The same relation (by content: a const's address is not unique).
    pub fn same(&self, other: &RelMeta) -> bool {
        self.owner.table == other.owner.table && self.name == other.name
    }
}

/// One step of a path, linked to the steps before it: built at compile
/// time, one per path type.
pub struct PathNode {
    /// The relation followed.
    pub rel: &'static RelMeta,
    /// The steps before it.
    pub prev: Option<&'static PathNode>,
    /// The number of steps, this one included.
    pub depth: usize,
}

impl PathNode {
    /// The same steps from the root (by content).
    pub fn same(&self, other: &PathNode) -> bool {
        self.depth == other.depth
            && self.rel.same(other.rel)
            && match (self.prev, other.prev) {
                (None, None) => true,
                (Some(a), Some(b)) => a.same(b),
                _ => false,
            }
    }

    /// Whether a step of the path is to-many.
    pub fn to_many(&self) -> bool {
        self.rel.to_many || self.prev.is_some_and(PathNode::to_many)
    }

    /// Django's lookup string (`album__artist`).
    pub fn lookup(&self) -> String {
        match self.prev {
            None => self.rel.name.to_owned(),
            Some(p) => format!("{}__{}", p.lookup(), self.rel.name),
        }
    }

    /// The steps, from the root.
    pub fn steps(&'static self) -> Vec<&'static PathNode> {
        let mut out = Vec::with_capacity(self.depth);
        let mut node = Some(self);
        while let Some(n) = node {
            out.push(n);
            node = n.prev;
        }
        out.reverse();
        out
    }
}

impl PartialEq for PathNode {
    fn eq(&self, other: &Self) -> bool {
        self.same(other)
    }
}

impl Eq for PathNode {}

impl fmt::Debug for PathNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Path({})", self.lookup())
    }
}
