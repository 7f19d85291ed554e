#![allow(unused)]
fn main() {
use app::Objects;
use app::catalog::{track, Track};
let _ = Track::objects().filter(track::album.artist().nme().eq("x"));
}
