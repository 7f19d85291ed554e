use query::prelude::*;
#[derive(Form)]
pub struct Subscribe {
    #[form(email)]
    pub newsletter: bool,
}
fn main() {}
