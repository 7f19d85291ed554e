use query::prelude::*;

#[derive(Model)]
pub struct Product<T> {
    pub id: i64,
    pub price: T,
}

fn main() {}
