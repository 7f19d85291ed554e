use query::prelude::*;

#[derive(Model)]
pub struct Album {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub artist_id: i64,
}

fn main() {}
