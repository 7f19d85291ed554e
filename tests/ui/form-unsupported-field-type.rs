use query::prelude::*;
#[derive(Form)]
pub struct Upload {
    pub data: Vec<u8>,
}
fn main() {}
