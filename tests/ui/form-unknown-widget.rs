use query::prelude::*;
#[derive(Form)]
pub struct Contact {
    #[form(widget = "textbox")]
    pub message: String,
}
fn main() {}
