use query::prelude::*;

#[derive(Model)]
pub struct Genre {
    pub id: i64,
}

#[derive(Model)]
pub struct Artist {
    pub id: i64,
    #[field(reverse = "genre")]
    pub albums: Related<Album>,
}

#[derive(Model)]
pub struct Album {
    pub id: i64,
    pub title: String,
    #[field(on_delete = Cascade)]
    pub artist: ForeignKey<Artist>,
    #[field(on_delete = Cascade)]
    pub genre: ForeignKey<Genre>,
}

fn main() {}
