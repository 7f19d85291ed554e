#![allow(unused)]
fn main() {
use app::Objects;
use app::catalog::{track, Track};
use app::music::alb;
let _ = Track::objects().filter(track::album.title().eq("x") | alb::artist.name().eq("y"));
}
