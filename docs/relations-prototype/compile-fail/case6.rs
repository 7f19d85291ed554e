#![allow(unused)]
fn main() {
use app::Objects;
use app::music::{artist, Artist};
let _ = Artist::objects().select_related(artist::albums);
}
