use query::prelude::*;

#[derive(Model)]
pub struct Site {
    pub id: i64,
    #[field(url)]
    pub homepage: Option<bool>,
}

fn main() {}
