use query::prelude::*;

#[derive(Model)]
pub struct Contact {
    pub id: i64,
    #[field(email, url)]
    pub address: String,
}

fn main() {}
