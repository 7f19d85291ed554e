use query::prelude::*;

#[derive(Model)]
pub struct Product {
    pub id: i64,
    pub views: u64,
}

fn main() {}
