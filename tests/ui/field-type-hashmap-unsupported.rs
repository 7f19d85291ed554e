use query::prelude::*;
use std::collections::HashMap;

#[derive(Model)]
pub struct Product {
    pub id: i64,
    pub tags: HashMap<String, String>,
}

fn main() {}
