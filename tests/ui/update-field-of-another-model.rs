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
    let db = Db::open_in_memory().unwrap();
    let _ = Product::objects().update(&db, invoice::total.set(0));
}
