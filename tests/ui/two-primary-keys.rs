use query::prelude::*;

#[derive(Model)]
pub struct Country {
    #[field(primary_key)]
    pub code: String,
    #[field(primary_key)]
    pub iso3: String,
}

fn main() {}
