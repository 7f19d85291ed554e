use query::prelude::*;

#[derive(Model)]
pub struct Product {
    pub id: i64,
    pub name: String,
    pub price: i64,
    pub enabled: bool,
}

fn main() {
    use product::*;
    let _ = Product::objects().filter(price.icontains("5"));
}
