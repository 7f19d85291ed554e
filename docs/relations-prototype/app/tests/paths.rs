use app::catalog::{playlist, track, Playlist, Track};
use app::music::{alb, artist, Album, Artist};
use app::staff::{employee, Employee};
use app::Objects;
use qcore::tree::{Column, Cond, Expr};
use qcore::{Field, ForeignKey, Related};

/// Pins a value's type: the test fails to compile if folding is wrong.
fn is<T>(_: T) {}

fn sql<M: qcore::Model>(qs: qcore::QuerySet<M>) -> String {
    let (s, _, extra) = qs.to_sql();
    if extra.is_empty() { s } else { format!("{s}\n{}", extra.join("\n")) }
}

#[test]
fn nullability_folds_into_the_end_type() {
    // Track.album is nullable: everything past it is Option.
    is::<Field<Track, Option<String>>>(track::album.title());
    is::<Field<Track, Option<String>>>(track::album.artist().name()); // Option stays Option
    is::<Field<Track, Option<i64>>>(track::album.id());
    // Album.artist is not nullable: types stay as declared.
    is::<Field<Album, Option<String>>>(alb::artist.name()); // declared Option: stays Option
    is::<Field<Track, String>>(track::name);
    is::<Field<Album, i64>>(alb::artist.id());
    // Reverse / many-to-many steps are to-many: Option.
    is::<Field<Artist, Option<String>>>(artist::albums.title());
    is::<Field<Playlist, Option<String>>>(playlist::tracks.name());
    // Self reference, any depth.
    is::<Field<Employee, Option<String>>>(employee::reports_to.reports_to().reports_to().last_name());
}

#[test]
fn paths_are_zero_sized_copy_values() {
    assert_eq!(std::mem::size_of_val(&track::album), 0);
    assert_eq!(std::mem::size_of_val(&track::album.artist()), 0);
    assert_eq!(std::mem::size_of_val(&employee::reports_to.reports_to().reports_to()), 0);
    // The end field is a Field like any other (a column and one pointer).
    assert_eq!(std::mem::size_of::<Field<Track, String>>(), std::mem::size_of::<Column>());
    let p = track::album.artist();
    let (a, b) = (p, p); // Copy
    let _ = (a.name(), b.id());
}

#[test]
fn path_columns_carry_static_join_nodes() {
    let f = track::album.artist().name();
    let c = f.column();
    let node = c.path.unwrap();
    assert_eq!(node.lookup(), "album__artist");
    assert_eq!(node.depth, 2);
    assert!(node.nullable());
    assert_eq!(c.name, "name");
    // The same path type gives the same steps (compared by content).
    assert_eq!(track::album.artist().id().column().path, track::album.column_path_probe());
}
trait Probe { fn column_path_probe(self) -> Option<&'static qcore::PathNode>; }
impl<P: qcore::PathLike<At = Album>> Probe for app::music::alb::AlbumPath<P> {
    fn column_path_probe(self) -> Option<&'static qcore::PathNode> { Some(self.node()) }
}

#[test]
fn pk_through_a_foreign_key_is_the_key_column() {
    let c = track::album.id().column();
    assert!(c.path.is_none());
    assert_eq!(c.name, "album_id");
    // two hops: album__artist__id is album.artist_id (one join, not two)
    let c = track::album.artist().id().column();
    assert_eq!(c.path.unwrap().lookup(), "album");
    assert_eq!(c.name, "artist_id");
    let s = sql(Track::objects().filter(track::album.id().is_in([1, 2, 3])));
    assert_eq!(s, r#"SELECT "track".* FROM "track" WHERE "track"."album_id" IN (?, ?, ?)"#);
}

#[test]
fn typical_filters() {
    let s = sql(Track::objects().filter(track::album.artist().name().icontains("zeppelin")));
    println!("{s}");
    assert_eq!(s, r#"SELECT "track".* FROM "track" LEFT OUTER JOIN "album" T1 ON T1."id" = "track"."album_id" LEFT OUTER JOIN "artist" T2 ON T2."id" = T1."artist_id" WHERE LOWER(T2."name") LIKE ? ESCAPE '\'"#);

    // non-null FK: INNER
    let s = sql(Album::objects().filter(alb::artist.name().eq("AC/DC")));
    assert_eq!(s, r#"SELECT "album".* FROM "album" INNER JOIN "artist" T1 ON T1."id" = "album"."artist_id" WHERE T1."name" = ?"#);

    // two paths in one Q, sharing the join to album
    let q = track::album.title().startswith("Live") | track::album.artist().name().eq("Queen");
    let s = sql(Track::objects().filter(q & track::milliseconds.gt(1000)));
    println!("{s}");
    assert!(s.contains(r#"LEFT OUTER JOIN "album" T1"#) && s.matches("JOIN \"album\"").count() == 1);

    // isnull and eq(&model) on the relation
    let s = sql(Track::objects().filter(track::album.isnull(true)));
    assert_eq!(s, r#"SELECT "track".* FROM "track" WHERE "track"."album_id" IS NULL"#);
    let some_album = Album { id: 7, title: "x".into(), artist: ForeignKey::new(1), tracks: Related::default() };
    let (s, params, _) = Track::objects().filter(track::album.eq(&some_album)).to_sql();
    assert_eq!(s, r#"SELECT "track".* FROM "track" WHERE "track"."album_id" = ?"#);
    assert_eq!(params, vec![qcore::tree::Value::Int(7)]);

    // reverse FK, many-to-many, self reference
    let s = sql(Artist::objects().filter(artist::albums.title().contains("Live")));
    assert_eq!(s, r#"SELECT "artist".* FROM "artist" LEFT OUTER JOIN "album" T1 ON T1."artist_id" = "artist"."id" WHERE T1."title" LIKE ? ESCAPE '\'"#);
    let s = sql(Playlist::objects().filter(playlist::tracks.name().eq("Bad Boy Boogie")));
    assert_eq!(s, r#"SELECT "playlist".* FROM "playlist" LEFT OUTER JOIN "playlist_tracks" T1t ON T1t."playlist_id" = "playlist"."id" LEFT OUTER JOIN "track" T1 ON T1."id" = T1t."track_id" WHERE T1."name" = ?"#);
    let s = sql(Employee::objects().filter(employee::reports_to.last_name().eq("Adams")));
    assert_eq!(s, r#"SELECT "employee".* FROM "employee" LEFT OUTER JOIN "employee" T1 ON T1."id" = "employee"."reports_to_id" WHERE T1."last_name" = ?"#);

    // EXISTS
    let s = sql(Artist::objects().filter(artist::albums.any(alb::title.contains("Live"))));
    assert_eq!(s, r#"SELECT "artist".* FROM "artist" WHERE EXISTS (SELECT 1 FROM "album" U0 WHERE U0."artist_id" = "artist"."id" AND U0."title" LIKE ? ESCAPE '\')"#);
    // EXISTS with a path inside, and a to-many step after a to-many step
    let s = sql(Artist::objects().filter(artist::albums.any(alb::tracks.name().eq("T"))));
    println!("{s}");
    let s = sql(Artist::objects().filter(artist::albums.tracks().milliseconds().gt(100)));
    println!("{s}");
    // order by a path, a field compare across a path
    let s = sql(Track::objects().order_by((-track::album.title(), track::name)));
    assert_eq!(s, r#"SELECT "track".* FROM "track" LEFT OUTER JOIN "album" T1 ON T1."id" = "track"."album_id" ORDER BY T1."title" DESC, "track"."name""#);
    let _ = Track::objects().filter(track::milliseconds.lt_field(track::album.tracks().milliseconds()));
}

#[test]
fn select_and_prefetch_related_take_the_same_path_values() {
    let s = sql(Track::objects().select_related(track::album.artist()));
    println!("{s}");
    assert_eq!(s, r#"SELECT "track".*, T2.* FROM "track" LEFT OUTER JOIN "album" T1 ON T1."id" = "track"."album_id" LEFT OUTER JOIN "artist" T2 ON T2."id" = T1."artist_id""#);
    let s = sql(Artist::objects().prefetch_related(artist::albums.tracks()));
    println!("{s}");
    assert_eq!(s.lines().count(), 3); // main + one per level
    let s = sql(Playlist::objects().prefetch_related(playlist::tracks.album()));
    println!("{s}");
}

#[test]
fn deep_paths() {
    let p = employee::reports_to.reports_to().reports_to().reports_to().reports_to().reports_to()
        .reports_to().reports_to().reports_to().reports_to().reports_to().reports_to()
        .reports_to().reports_to().reports_to().reports_to();
    let f = p.last_name();
    assert_eq!(f.column().path.unwrap().depth, 16);
    let s = sql(Employee::objects().filter(f.eq("Adams")));
    assert!(s.contains("T16"));
}

#[test]
fn renamed_and_later_declared_modules_are_reached() {
    // catalog::Track (declared first) reaches music::Album's methods
    // although Album's field module is `alb`, not `album`.
    let _ = track::album.title().eq("x");
    let _ = track::album.tracks().album().artist().albums().title().eq("x");
    let _ = Expr::Value(qcore::tree::Value::Null);
    let _ = Cond::Empty;
}
