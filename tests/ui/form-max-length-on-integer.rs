use query::prelude::*;
#[derive(Form)]
pub struct Order {
    #[form(max_length = 50)]
    pub quantity: i64,
}
fn main() {}
