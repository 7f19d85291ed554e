use query::prelude::*;
#[derive(Model, Clone, Default)]
pub struct Post {
    pub id: i64,
    pub nickname: String,
}
#[derive(ModelForm)]
#[form(model = Post, fields = ["nickname", "nick_name"])]
pub struct PostForm;
fn main() {}
