#!/usr/bin/env python3
"""Generates crate `gen` with N models as #[derive(Model)] would, with or
without typed paths, plus U queries using paths, for compile-time checks.
usage: gen.py N U paths|flat"""
import sys, random
N, U, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
paths = mode == "paths"
random.seed(1)
cols = [("id", "i64"), ("name", "String"), ("code", "Option<String>"), ("n", "i64"), ("score", "f64"), ("flag", "bool")]
out = ["#![allow(non_upper_case_globals, dead_code, unused_imports)]", "use qcore::*;",
       "pub trait Objects: Model { fn objects() -> QuerySet<Self> { QuerySet::new() } }",
       "impl<M: Model> Objects for M {}"]
def M(i): return f"crate::m{i%5}::M{i%N}"
for mod in range(5):
    out.append(f"pub mod m{mod} {{ use qcore::*;")
    for i in [x for x in range(N) if x % 5 == mod]:
        par, oth, child = (i+1) % N, (i+7) % N, (i-1) % N
        out.append(f"pub struct M{i} {{ " + " ".join(f"pub {c}: {t}," for c, t in cols)
                   + f" pub parent: ForeignKey<{M(par)}>, pub other: Option<ForeignKey<{M(oth)}>>, pub children: Related<{M(child)}> }}")
        fm = ", ".join(f'FieldMeta::new("{c}", "{c}", {str(t.startswith("Option")).lower()})' for c, t in cols)
        fm += f', FieldMeta::new("parent", "parent_id", false).fk("t{par}"), FieldMeta::new("other", "other_id", true).fk("t{oth}")'
        pathty = f"f{i}::P{i}<P>" if paths else "Rel<P>"
        out.append(f"""const _: () = {{
impl Model for M{i} {{ const META: &'static ModelMeta = &ModelMeta {{ name: "M{i}", table: "t{i}", fields: &[{fm}], pk: 0 }};
  type Path<P: PathLike<At = Self>> = {pathty}; fn pk_value(&self) -> tree::Value {{ tree::Value::Int(self.id) }} }}""")
        if paths:
            out.append(f"""impl Relation<6> for M{i} {{ type Target = {M(par)}; type Null = Null; type Card = ToOne; const REL: &'static RelMeta = &RelMeta::foreign_key(M{i}::META, "parent", 6, <{M(par)} as Model>::META); }}
impl Relation<7> for M{i} {{ type Target = {M(oth)}; type Null = Null; type Card = ToOne; const REL: &'static RelMeta = &RelMeta::foreign_key(M{i}::META, "other", 7, <{M(oth)} as Model>::META); }}
impl Relation<8> for M{i} {{ type Target = {M(child)}; type Null = Null; type Card = ToMany; const REL: &'static RelMeta = &RelMeta::reverse(M{i}::META, "children", <{M(child)} as Model>::META, "parent"); }}
const _: &RelMeta = <M{i} as Relation<8>>::REL;""")
        out.append("};")
        out.append(f"pub mod f{i} {{ use super::*; use qcore::*;")
        for k, (c, t) in enumerate(cols):
            out.append(f'pub const {c}: Field<M{i}, {t}> = Field::new({k}, "{c}");')
        if paths:
            for k, (r, tgt) in ((6, ("parent", par)), (7, ("other", oth)), (8, ("children", child))):
                pass
            rels = [(6, "parent", par), (7, "other", oth), (8, "children", child)]
            for k, r, t in rels:
                out.append(f"pub const {r}: <{M(t)} as Model>::Path<Join<M{i}, {k}, Root<M{i}>>> = RelPath::NEW;")
            out.append(f"""pub struct P{i}<P>(Rel<P>);
impl<P> Clone for P{i}<P> {{ fn clone(&self) -> Self {{ *self }} }} impl<P> Copy for P{i}<P> {{}}
impl<P: PathLike<At = M{i}>> RelPath for P{i}<P> {{ type P = P; const NEW: Self = P{i}(Rel::NEW); }}
impl<P: PathLike<At = M{i}>> std::ops::Deref for P{i}<P> {{ type Target = Rel<P>; fn deref(&self) -> &Rel<P> {{ &self.0 }} }}
impl<P: PathLike<At = M{i}>> P{i}<P> {{""")
            for k, (c, t) in enumerate(cols):
                out.append(f'pub fn {c}(self) -> Field<P::Root, Folded<P, {t}>> {{ self.0.field::<{t}>({k}, "{c}") }}')
            for k, r, t in rels:
                out.append(f"pub fn {r}(self) -> <{M(t)} as Model>::Path<Join<M{i}, {k}, P>> {{ RelPath::NEW }}")
            out.append("}")
        out.append("}")
    out.append("}")
# uses
out.append("pub fn uses() -> Vec<String> { let mut v = Vec::new();")
for u in range(U):
    i = random.randrange(N)
    if paths:
        steps = [random.choice(["parent", "other", "children"]) for _ in range(random.randint(1, 4))]
        p = f"crate::m{i%5}::f{i}::{steps[0]}" + "".join(f".{s}()" for s in steps[1:])
        out.append(f'v.push(crate::m{i%5}::M{i}::objects().filter({p}.name().icontains("x") | {p}.n().gt(3)).to_sql().0);')
    else:
        out.append(f'v.push(crate::m{i%5}::M{i}::objects().filter(crate::m{i%5}::f{i}::name.icontains("x") | crate::m{i%5}::f{i}::n.gt(3)).to_sql().0);')
out.append("v }")
open("gen/src/lib.rs", "w").write("\n".join(out) + "\n")
