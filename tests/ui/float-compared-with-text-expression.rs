use query::prelude::*;

#[derive(Model)]
pub struct Track {
    pub id: i64,
    pub name: String,
    pub unit_price: f64,
}

fn main() {
    use track::*;
    let _ = Track::objects().filter(unit_price.gt(name));
}
