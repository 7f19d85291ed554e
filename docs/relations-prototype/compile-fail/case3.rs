#![allow(unused)]
fn main() {
use app::Objects;
use app::music::{alb, Album};
let _ = Album::objects().filter(alb::artist.isnull(true));
}
