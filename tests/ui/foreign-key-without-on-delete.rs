use query::prelude::*;

#[derive(Model)]
pub struct Artist {
    pub id: i64,
}

#[derive(Model)]
pub struct Album {
    pub id: i64,
    pub artist: ForeignKey<Artist>,
}

fn main() {}
