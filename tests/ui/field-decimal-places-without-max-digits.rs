use query::Decimal;
use query::prelude::*;
#[derive(Model)]
pub struct Invoice {
    pub id: i64,
    #[field(decimal_places = 2)]
    pub total: Option<Decimal>,
}
fn main() {}
