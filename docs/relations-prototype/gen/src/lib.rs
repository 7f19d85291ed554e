#![allow(non_upper_case_globals, dead_code, unused_imports)]
use qcore::*;
pub trait Objects: Model { fn objects() -> QuerySet<Self> { QuerySet::new() } }
impl<M: Model> Objects for M {}
pub mod m0 { use qcore::*;
pub struct M0 { pub id: i64, pub name: String, pub code: Option<String>, pub n: i64, pub score: f64, pub flag: bool, pub parent: ForeignKey<crate::m1::M1>, pub other: Option<ForeignKey<crate::m1::M1>>, pub children: Related<crate::m1::M1> }
const _: () = {
impl Model for M0 { const META: &'static ModelMeta = &ModelMeta { name: "M0", table: "t0", fields: &[FieldMeta::new("id", "id", false), FieldMeta::new("name", "name", false), FieldMeta::new("code", "code", true), FieldMeta::new("n", "n", false), FieldMeta::new("score", "score", false), FieldMeta::new("flag", "flag", false), FieldMeta::new("parent", "parent_id", false).fk("t1"), FieldMeta::new("other", "other_id", true).fk("t1")], pk: 0 };
  type Path<P: PathLike<At = Self>> = f0::P0<P>; fn pk_value(&self) -> tree::Value { tree::Value::Int(self.id) } }
impl Relation<6> for M0 { type Target = crate::m1::M1; type Null = Null; type Card = ToOne; const REL: &'static RelMeta = &RelMeta::foreign_key(M0::META, "parent", 6, <crate::m1::M1 as Model>::META); }
impl Relation<7> for M0 { type Target = crate::m1::M1; type Null = Null; type Card = ToOne; const REL: &'static RelMeta = &RelMeta::foreign_key(M0::META, "other", 7, <crate::m1::M1 as Model>::META); }
impl Relation<8> for M0 { type Target = crate::m1::M1; type Null = Null; type Card = ToMany; const REL: &'static RelMeta = &RelMeta::reverse(M0::META, "children", <crate::m1::M1 as Model>::META, "parent"); }
const _: &RelMeta = <M0 as Relation<8>>::REL;
};
pub mod f0 { use super::*; use qcore::*;
pub const id: Field<M0, i64> = Field::new(0, "id");
pub const name: Field<M0, String> = Field::new(1, "name");
pub const code: Field<M0, Option<String>> = Field::new(2, "code");
pub const n: Field<M0, i64> = Field::new(3, "n");
pub const score: Field<M0, f64> = Field::new(4, "score");
pub const flag: Field<M0, bool> = Field::new(5, "flag");
pub const parent: <crate::m1::M1 as Model>::Path<Join<M0, 6, Root<M0>>> = RelPath::NEW;
pub const other: <crate::m1::M1 as Model>::Path<Join<M0, 7, Root<M0>>> = RelPath::NEW;
pub const children: <crate::m1::M1 as Model>::Path<Join<M0, 8, Root<M0>>> = RelPath::NEW;
pub struct P0<P>(Rel<P>);
impl<P> Clone for P0<P> { fn clone(&self) -> Self { *self } } impl<P> Copy for P0<P> {}
impl<P: PathLike<At = M0>> RelPath for P0<P> { type P = P; const NEW: Self = P0(Rel::NEW); }
impl<P: PathLike<At = M0>> std::ops::Deref for P0<P> { type Target = Rel<P>; fn deref(&self) -> &Rel<P> { &self.0 } }
impl<P: PathLike<At = M0>> P0<P> {
pub fn id(self) -> Field<P::Root, Folded<P, i64>> { self.0.field::<i64>(0, "id") }
pub fn name(self) -> Field<P::Root, Folded<P, String>> { self.0.field::<String>(1, "name") }
pub fn code(self) -> Field<P::Root, Folded<P, Option<String>>> { self.0.field::<Option<String>>(2, "code") }
pub fn n(self) -> Field<P::Root, Folded<P, i64>> { self.0.field::<i64>(3, "n") }
pub fn score(self) -> Field<P::Root, Folded<P, f64>> { self.0.field::<f64>(4, "score") }
pub fn flag(self) -> Field<P::Root, Folded<P, bool>> { self.0.field::<bool>(5, "flag") }
pub fn parent(self) -> <crate::m1::M1 as Model>::Path<Join<M0, 6, P>> { RelPath::NEW }
pub fn other(self) -> <crate::m1::M1 as Model>::Path<Join<M0, 7, P>> { RelPath::NEW }
pub fn children(self) -> <crate::m1::M1 as Model>::Path<Join<M0, 8, P>> { RelPath::NEW }
}
}
}
pub mod m1 { use qcore::*;
pub struct M1 { pub id: i64, pub name: String, pub code: Option<String>, pub n: i64, pub score: f64, pub flag: bool, pub parent: ForeignKey<crate::m0::M0>, pub other: Option<ForeignKey<crate::m0::M0>>, pub children: Related<crate::m0::M0> }
const _: () = {
impl Model for M1 { const META: &'static ModelMeta = &ModelMeta { name: "M1", table: "t1", fields: &[FieldMeta::new("id", "id", false), FieldMeta::new("name", "name", false), FieldMeta::new("code", "code", true), FieldMeta::new("n", "n", false), FieldMeta::new("score", "score", false), FieldMeta::new("flag", "flag", false), FieldMeta::new("parent", "parent_id", false).fk("t0"), FieldMeta::new("other", "other_id", true).fk("t0")], pk: 0 };
  type Path<P: PathLike<At = Self>> = f1::P1<P>; fn pk_value(&self) -> tree::Value { tree::Value::Int(self.id) } }
impl Relation<6> for M1 { type Target = crate::m0::M0; type Null = Null; type Card = ToOne; const REL: &'static RelMeta = &RelMeta::foreign_key(M1::META, "parent", 6, <crate::m0::M0 as Model>::META); }
impl Relation<7> for M1 { type Target = crate::m0::M0; type Null = Null; type Card = ToOne; const REL: &'static RelMeta = &RelMeta::foreign_key(M1::META, "other", 7, <crate::m0::M0 as Model>::META); }
impl Relation<8> for M1 { type Target = crate::m0::M0; type Null = Null; type Card = ToMany; const REL: &'static RelMeta = &RelMeta::reverse(M1::META, "children", <crate::m0::M0 as Model>::META, "parent"); }
const _: &RelMeta = <M1 as Relation<8>>::REL;
};
pub mod f1 { use super::*; use qcore::*;
pub const id: Field<M1, i64> = Field::new(0, "id");
pub const name: Field<M1, String> = Field::new(1, "name");
pub const code: Field<M1, Option<String>> = Field::new(2, "code");
pub const n: Field<M1, i64> = Field::new(3, "n");
pub const score: Field<M1, f64> = Field::new(4, "score");
pub const flag: Field<M1, bool> = Field::new(5, "flag");
pub const parent: <crate::m0::M0 as Model>::Path<Join<M1, 6, Root<M1>>> = RelPath::NEW;
pub const other: <crate::m0::M0 as Model>::Path<Join<M1, 7, Root<M1>>> = RelPath::NEW;
pub const children: <crate::m0::M0 as Model>::Path<Join<M1, 8, Root<M1>>> = RelPath::NEW;
pub struct P1<P>(Rel<P>);
impl<P> Clone for P1<P> { fn clone(&self) -> Self { *self } } impl<P> Copy for P1<P> {}
impl<P: PathLike<At = M1>> RelPath for P1<P> { type P = P; const NEW: Self = P1(Rel::NEW); }
impl<P: PathLike<At = M1>> std::ops::Deref for P1<P> { type Target = Rel<P>; fn deref(&self) -> &Rel<P> { &self.0 } }
impl<P: PathLike<At = M1>> P1<P> {
pub fn id(self) -> Field<P::Root, Folded<P, i64>> { self.0.field::<i64>(0, "id") }
pub fn name(self) -> Field<P::Root, Folded<P, String>> { self.0.field::<String>(1, "name") }
pub fn code(self) -> Field<P::Root, Folded<P, Option<String>>> { self.0.field::<Option<String>>(2, "code") }
pub fn n(self) -> Field<P::Root, Folded<P, i64>> { self.0.field::<i64>(3, "n") }
pub fn score(self) -> Field<P::Root, Folded<P, f64>> { self.0.field::<f64>(4, "score") }
pub fn flag(self) -> Field<P::Root, Folded<P, bool>> { self.0.field::<bool>(5, "flag") }
pub fn parent(self) -> <crate::m0::M0 as Model>::Path<Join<M1, 6, P>> { RelPath::NEW }
pub fn other(self) -> <crate::m0::M0 as Model>::Path<Join<M1, 7, P>> { RelPath::NEW }
pub fn children(self) -> <crate::m0::M0 as Model>::Path<Join<M1, 8, P>> { RelPath::NEW }
}
}
}
pub mod m2 { use qcore::*;
}
pub mod m3 { use qcore::*;
}
pub mod m4 { use qcore::*;
}
pub fn uses() -> Vec<String> { let mut v = Vec::new();
v }
