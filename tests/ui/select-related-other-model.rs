use query::prelude::*;

#[derive(Model)]
pub struct Artist {
    pub id: i64,
    pub name: String,
}

#[derive(Model)]
pub struct Album {
    pub id: i64,
    pub title: String,
    #[field(on_delete = Cascade)]
    pub artist: ForeignKey<Artist>,
}

#[derive(Model)]
pub struct Track {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub album: ForeignKey<Album>,
}

fn main() {
    let _ = Track::objects().select_related(album::artist);
}
