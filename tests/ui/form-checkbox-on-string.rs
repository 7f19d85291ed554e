use query::prelude::*;
#[derive(Form)]
pub struct Terms {
    #[form(widget = "checkbox")]
    pub accepted: String,
}
fn main() {}
