use query::prelude::*;

#[derive(Model)]
pub struct Invoice {
    pub id: i64,
    pub billing_city: String,
}

fn main() {
    use invoice::*;
    let _ = Invoice::objects().filter(billing_city.year().eq(2010));
}
