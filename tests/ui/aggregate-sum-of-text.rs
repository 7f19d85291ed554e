use query::prelude::*;

#[derive(Model)]
pub struct Track {
    pub id: i64,
    pub name: String,
    pub milliseconds: i64,
}

fn main() -> query::Result<()> {
    let db = Db::open_in_memory()?;
    let _total = Track::objects().aggregate(&db, Sum(track::name))?;
    Ok(())
}
