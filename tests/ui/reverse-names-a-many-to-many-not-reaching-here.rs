// `reverse` may name a many-to-many field of the related model, but only
// one that reaches this model: `Playlist.tracks` reaches `Track`, not
// `Album`.
use query::prelude::*;

#[derive(Model)]
pub struct Track {
    pub id: i64,
}

#[derive(Model)]
pub struct Album {
    pub id: i64,
    #[field(reverse = "tracks")]
    pub playlists: Related<Playlist>,
}

#[derive(Model)]
pub struct Playlist {
    pub id: i64,
    pub tracks: ManyToMany<Track>,
}

fn main() {}
