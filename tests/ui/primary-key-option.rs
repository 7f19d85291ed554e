use query::prelude::*;

#[derive(Model)]
pub struct Country {
    #[field(primary_key)]
    pub code: Option<String>,
    pub name: String,
}

fn main() {}
