use query::prelude::*;

#[derive(Model)]
pub struct Artist {
    pub id: i64,
    pub name: String,
    #[field(reverse = "artist")]
    pub albums: Related<Album>,
}

#[derive(Model)]
pub struct Album {
    pub id: i64,
    pub title: String,
    #[field(on_delete = Cascade)]
    pub artist: ForeignKey<Artist>,
}

fn main() {
    let _ = Artist::objects().select_related(artist::albums);
}
