// A `through` model must hold exactly one foreign key to each side: this
// one has none to `Track`.
use query::prelude::*;

#[derive(Model)]
pub struct Track {
    pub id: i64,
    pub name: String,
}

#[derive(Model)]
pub struct Playlist {
    pub id: i64,
    #[field(through = "PlaylistEntry")]
    pub tracks: ManyToMany<Track>,
}

#[derive(Model)]
pub struct PlaylistEntry {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub playlist: ForeignKey<Playlist>,
    pub track_name: String,
}

fn main() {}
