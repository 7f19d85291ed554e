// `add`, `remove`, `clear` and `set` exist on a many-to-many path only.
use query::prelude::*;

#[derive(Model)]
pub struct Album {
    pub id: i64,
}

#[derive(Model)]
pub struct Track {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub album: ForeignKey<Album>,
}

fn main() {
    let db = Db::open_in_memory().unwrap();
    let (album, t) = (Album { id: 1 }, Track { id: 1, album: ForeignKey::new(1) });
    let _ = track::album.add(&db, &t, [&album]);
}
