use query::prelude::*;

#[derive(Model)]
pub struct Artist {
    pub id: i64,
    pub name: String,
}

#[derive(Model)]
pub struct Genre {
    pub id: i64,
    pub name: String,
}

fn main() {
    let _ = Artist::objects().annotate(Count(genre::id));
}
