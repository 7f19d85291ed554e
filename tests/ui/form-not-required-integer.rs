use query::prelude::*;
#[derive(Form)]
pub struct Order {
    #[form(required = false)]
    pub quantity: i64,
}
fn main() {}
