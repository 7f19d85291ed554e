use query::prelude::*;

#[derive(Model)]
pub struct Customer {
    pub id: i64,
    #[field(email)]
    pub email: i64,
}

fn main() {}
