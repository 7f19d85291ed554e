use query::prelude::*;

#[derive(Model)]
pub struct Product {
    pub id: i64,
    pub name: String,
    pub price: i64,
}

#[derive(Model)]
pub struct Invoice {
    pub id: i64,
    pub total: i64,
}

fn main() {
    let _ = product::price.gt(100) & invoice::total.gt(100);
}
