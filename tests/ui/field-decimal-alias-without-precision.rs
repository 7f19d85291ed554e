use query::prelude::*;
type Money = query::Decimal;
#[derive(Model)]
pub struct Invoice {
    pub id: i64,
    pub total: Money,
}
fn main() {}
