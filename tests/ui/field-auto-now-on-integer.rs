use query::prelude::*;

#[derive(Model)]
pub struct Product {
    pub id: i64,
    #[field(auto_now)]
    pub updated: i64,
}

fn main() {}
