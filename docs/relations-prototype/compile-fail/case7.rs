#![allow(unused)]
fn main() {
use app::Objects;
use app::catalog::Track;
use app::music::alb;
let _ = Track::objects().select_related(alb::artist);
}
