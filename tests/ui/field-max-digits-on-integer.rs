use query::prelude::*;
#[derive(Model)]
pub struct Invoice {
    pub id: i64,
    #[field(max_digits = 10, decimal_places = 2)]
    pub total: i64,
}
fn main() {}
