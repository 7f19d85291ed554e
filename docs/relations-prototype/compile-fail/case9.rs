#![allow(unused)]
fn main() {
use app::Objects;
use app::music::{artist, Artist};
let _ = Artist::objects().filter(artist::albums.any(artist::name.eq("x")));
}
