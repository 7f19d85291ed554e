use query::prelude::*;

#[derive(Model)]
pub struct Artist {
    pub id: i64,
    pub albums: Related<Album>,
}

#[derive(Model)]
pub struct Album {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub artist: ForeignKey<Artist>,
}

fn main() {}
