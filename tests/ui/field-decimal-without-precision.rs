use query::Decimal;
use query::prelude::*;
#[derive(Model)]
pub struct Invoice {
    pub id: i64,
    pub total: Decimal,
}
fn main() {}
