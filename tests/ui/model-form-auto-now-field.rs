use query::prelude::*;
#[derive(Model, Clone, Default)]
pub struct Post {
    pub id: i64,
    pub nickname: String,
    #[field(auto_now_add)]
    pub created: chrono::NaiveDateTime,
}
#[derive(ModelForm)]
#[form(model = Post, fields = ["nickname", "created"])]
pub struct PostForm;
fn main() {}
