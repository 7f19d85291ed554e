#![allow(unused)]
fn main() {
use qcore::{Model, RelMeta};
use app::music::{Album, Artist};
const _: &RelMeta = &RelMeta::reverse(Artist::META, "albums", Album::META, "artsit");
}
