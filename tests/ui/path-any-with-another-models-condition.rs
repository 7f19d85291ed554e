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

#[derive(Model)]
pub struct Track {
    pub id: i64,
    pub name: String,
    pub milliseconds: i64,
    #[field(on_delete = SetNull)]
    pub album: Option<ForeignKey<Album>>,
}

fn main() {
    let _ = Artist::objects().filter(artist::albums.any(artist::name.eq("AC/DC")));
}
