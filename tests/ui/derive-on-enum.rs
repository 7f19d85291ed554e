use query::prelude::*;

#[derive(Model)]
pub enum Status {
    Draft,
    Published,
}

fn main() {}
