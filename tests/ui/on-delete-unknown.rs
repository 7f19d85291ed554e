use query::prelude::*;

#[derive(Model)]
pub struct Artist {
    pub id: i64,
}

#[derive(Model)]
pub struct Album {
    pub id: i64,
    #[field(on_delete = Delete)]
    pub artist: ForeignKey<Artist>,
}

fn main() {}
