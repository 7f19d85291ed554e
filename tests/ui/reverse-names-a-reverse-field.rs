// `reverse` names a forward relation of the related model (a foreign key
// or a many-to-many field), never another reverse one: `Playlist.tracks`
// below is a `Related` field itself.
use query::prelude::*;

#[derive(Model)]
pub struct Track {
    pub id: i64,
    #[field(reverse = "tracks")]
    pub playlists: Related<Playlist>,
}

#[derive(Model)]
pub struct Playlist {
    pub id: i64,
    #[field(reverse = "playlists")]
    pub tracks: Related<Track>,
}

fn main() {}
