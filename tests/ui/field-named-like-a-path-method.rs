use query::prelude::*;

#[derive(Model)]
pub struct Artist {
    pub id: i64,
    pub isnull: bool,
}

fn main() {}
