use query::prelude::*;

#[derive(Model)]
pub struct Track {
    pub id: i64,
    pub name: String,
    pub milliseconds: i64,
}

fn main() {
    use track::*;
    let _ = Track::objects().filter(milliseconds.gt(name * 2));
}
