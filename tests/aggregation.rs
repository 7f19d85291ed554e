//! Expressions and aggregates: F arithmetic, `aggregate`, `annotate`,
//! `values_list`, on both backends, with a slice of the Chinook schema.

mod common;

use common::*;
use query::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Artist {
    pub id: i64,
    pub name: Option<String>,
    #[field(reverse = "artist")]
    pub albums: Related<Album>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Album {
    pub id: i64,
    pub title: String,
    #[field(on_delete = Cascade)]
    pub artist: ForeignKey<Artist>,
    #[field(reverse = "album")]
    pub tracks: Related<Track>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Genre {
    pub id: i64,
    #[field(max_length = 120)]
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Track {
    pub id: i64,
    pub name: String,
    #[field(on_delete = SetNull)]
    pub album: Option<ForeignKey<Album>>,
    pub milliseconds: i64,
    pub bytes: Option<i64>,
    pub unit_price: f64,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: i64,
    pub first_name: String,
    pub country: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct InvoiceLine {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub track: ForeignKey<Track>,
    pub unit_price: f64,
    pub quantity: i32,
}

fn tables(db: &Db) -> Result<()> {
    db.create_table::<Artist>()?;
    db.create_table::<Album>()?;
    db.create_table::<Genre>()?;
    db.create_table::<Track>()?;
    db.create_table::<Customer>()?;
    db.create_table::<InvoiceLine>()?;
    Ok(())
}

fn artist(db: &Db, name: &str) -> Result<Artist> {
    Artist::objects().create(
        db,
        Artist {
            id: 0,
            name: Some(name.into()),
            albums: Default::default(),
        },
    )
}

fn album(db: &Db, title: &str, by: &Artist) -> Result<Album> {
    Album::objects().create(
        db,
        Album {
            id: 0,
            title: title.into(),
            artist: by.into(),
            tracks: Default::default(),
        },
    )
}

fn track(
    db: &Db,
    name: &str,
    on: Option<&Album>,
    ms: i64,
    bytes: Option<i64>,
    price: f64,
) -> Result<Track> {
    Track::objects().create(
        db,
        Track {
            id: 0,
            name: name.into(),
            album: on.map(ForeignKey::from),
            milliseconds: ms,
            bytes,
            unit_price: price,
        },
    )
}

/// AC/DC with two albums (3 tracks, 1 track), Accept with one album and no
/// tracks, Aerosmith with none; one track without an album.
fn seed(db: &Db) -> Result<()> {
    tables(db)?;
    let acdc = artist(db, "AC/DC")?;
    let accept = artist(db, "Accept")?;
    artist(db, "Aerosmith")?;
    let rock = album(db, "For Those About To Rock", &acdc)?;
    let lets = album(db, "Let There Be Rock", &acdc)?;
    album(db, "Balls to the Wall", &accept)?;
    track(
        db,
        "For Those About To Rock",
        Some(&rock),
        343_719,
        Some(11_170_334),
        0.99,
    )?;
    track(
        db,
        "Put The Finger On You",
        Some(&rock),
        205_662,
        Some(6_713_451),
        0.99,
    )?;
    track(db, "Let's Get It Up", Some(&rock), 233_926, None, 1.99)?;
    track(db, "Go Down", Some(&lets), 331_180, Some(10_847_611), 0.99)?;
    track(db, "Orphan", None, 1_000, Some(100), 0.49)?;
    Ok(())
}

#[test]
fn f_expressions_in_lookups_and_updates() -> Result<()> {
    each_empty_db(|db| {
        seed(db)?;
        use track::*;
        // bytes > milliseconds * 32: NULL bytes never match.
        let mut big: Vec<String> = Track::objects()
            .filter(bytes.gt(milliseconds * 32))
            .all(db)?
            .into_iter()
            .map(|t| t.name)
            .collect();
        big.sort();
        assert_eq!(
            big,
            [
                "For Those About To Rock",
                "Go Down",
                "Put The Finger On You"
            ]
        );
        // `exclude` keeps the rows where the comparison is unknown (NULL).
        let excluded = Track::objects()
            .exclude(bytes.gt(milliseconds * 32))
            .count(db)?;
        assert_eq!(excluded, 2);
        // Integer division truncates on both databases.
        let n = Track::objects()
            .filter(milliseconds.eq(bytes / 100 * 100))
            .count(db)?;
        assert_eq!(n, 0);
        assert_eq!(
            Track::objects()
                .filter((milliseconds / 1000).eq(1))
                .count(db)?,
            1
        );
        // A value on the left: 0 - x (unary minus is ordering).
        assert_eq!(
            Track::objects()
                .filter((0 - milliseconds).lt(-340_000))
                .count(db)?,
            1
        );
        // Comparison across a path.
        let on_album = Track::objects()
            .filter(album.artist().name().eq("AC/DC") & milliseconds.gt(album.id() * 0))
            .count(db)?;
        assert_eq!(on_album, 4);
        // update with F: quantity = quantity + 1, computed by the database.
        let t = Track::objects().filter(name.eq("Orphan")).get(db)?;
        let line = InvoiceLine::objects().create(
            db,
            InvoiceLine {
                id: 0,
                track: (&t).into(),
                unit_price: 0.49,
                quantity: 1,
            },
        )?;
        let changed = InvoiceLine::objects()
            .filter(invoice_line::id.eq(line.id))
            .update(db, invoice_line::quantity.set(invoice_line::quantity + 1))?;
        assert_eq!(changed, 1);
        let again = InvoiceLine::objects()
            .filter(invoice_line::id.eq(line.id))
            .update(db, invoice_line::quantity.set(invoice_line::quantity * 10))?;
        assert_eq!(again, 1);
        assert_eq!(InvoiceLine::objects().get(db)?.quantity, 20);
        // A price compared with the track's own price, across the path.
        assert_eq!(
            InvoiceLine::objects()
                .filter(invoice_line::unit_price.lt(invoice_line::track.unit_price()))
                .count(db)?,
            0
        );
        assert_eq!(
            InvoiceLine::objects()
                .filter(invoice_line::unit_price.eq(invoice_line::track.unit_price()))
                .count(db)?,
            1
        );
        // NULL propagates: bytes + 1 of a NULL is NULL, and set() stores it.
        Track::objects()
            .filter(name.eq("Let's Get It Up"))
            .update(db, bytes.set(bytes + 1))?;
        assert_eq!(Track::objects().filter(bytes.isnull(true)).count(db)?, 1);
        Ok(())
    })
}

#[test]
fn aggregate_over_the_query_set() -> Result<()> {
    each_empty_db(|db| {
        seed(db)?;
        use track::*;
        let (n, total, mean): (i64, Option<i64>, Option<f64>) =
            Track::objects().aggregate(db, (Count(id), Sum(milliseconds), Avg(unit_price)))?;
        assert_eq!(n, 5);
        assert_eq!(total, Some(343_719 + 205_662 + 233_926 + 331_180 + 1_000));
        let mean = mean.unwrap();
        assert!(
            (mean - (0.99 * 3.0 + 1.99 + 0.49) / 5.0).abs() < 1e-9,
            "{mean}"
        );
        // Count of a nullable column skips NULLs; distinct counts values.
        assert_eq!(Track::objects().aggregate(db, Count(bytes))?, 4);
        assert_eq!(
            Track::objects().aggregate(db, Count(unit_price).distinct())?,
            3
        );
        // Min and Max keep the field's type.
        let (lo, hi): (Option<f64>, Option<i64>) =
            Track::objects().aggregate(db, (Min(unit_price), Max(bytes)))?;
        assert_eq!(lo, Some(0.49));
        assert_eq!(hi, Some(11_170_334));
        // Sum of floats is a float.
        let sum: Option<f64> = Track::objects().aggregate(db, Sum(unit_price))?;
        assert!((sum.unwrap() - 5.45).abs() < 1e-9);
        // The empty set: Count is 0, the others None.
        let empty = Track::objects().filter(milliseconds.lt(0));
        let (n, total, mean, least) = empty.aggregate(
            db,
            (Count(id), Sum(milliseconds), Avg(milliseconds), Min(name)),
        )?;
        assert_eq!((n, total, mean, least), (0, None, None, None));
        // Of an expression, and over a path.
        let kb: Option<i64> = Track::objects().aggregate(db, Sum(milliseconds / 1000))?;
        assert_eq!(kb, Some(343 + 205 + 233 + 331 + 1));
        let on_acdc = Track::objects()
            .filter(album.artist().name().eq("AC/DC"))
            .aggregate(db, Count(id))?;
        assert_eq!(on_acdc, 4);
        assert_eq!(
            Track::objects().aggregate(db, Count(album.artist().id()).distinct())?,
            1
        );
        // A sliced query set aggregates its slice only.
        let top2: Option<i64> = Track::objects()
            .order_by(-milliseconds)
            .limit(2)
            .aggregate(db, Sum(milliseconds))?;
        assert_eq!(top2, Some(343_719 + 331_180));
        // Over a reverse relation.
        let albums = Artist::objects().aggregate(db, Count(artist::albums))?;
        assert_eq!(albums, 3);
        Ok(())
    })
}

#[test]
fn annotate_group_having_order() -> Result<()> {
    each_empty_db(|db| {
        seed(db)?;
        let n_albums = Count(artist::albums);
        let rows: Vec<(Artist, i64)> = Artist::objects()
            .annotate(n_albums)
            .order_by((-n_albums, artist::name))
            .all(db)?;
        let got: Vec<(Option<String>, i64)> = rows.into_iter().map(|(a, n)| (a.name, n)).collect();
        assert_eq!(
            got,
            [
                (Some("AC/DC".into()), 2),
                (Some("Accept".into()), 1),
                (Some("Aerosmith".into()), 0),
            ]
        );
        // A filter on the annotation is HAVING, reusing the value.
        let busy: Vec<(Artist, i64)> = Artist::objects()
            .annotate(n_albums)
            .filter(n_albums.gte(2))
            .all(db)?;
        assert_eq!(busy.len(), 1);
        assert_eq!(busy[0].1, 2);
        // HAVING with | and !.
        let odd = Artist::objects()
            .annotate(n_albums)
            .filter(n_albums.eq(0) | n_albums.eq(2))
            .count(db)?;
        assert_eq!(odd, 2);
        let not_one = Artist::objects()
            .annotate(n_albums)
            .filter(!n_albums.eq(1))
            .count(db)?;
        assert_eq!(not_one, 2);
        let excluded = Artist::objects()
            .annotate(n_albums)
            .exclude(n_albums.lt(1))
            .count(db)?;
        assert_eq!(excluded, 2);
        // Two levels: tracks per artist.
        let n_tracks = Count(artist::albums.tracks());
        let per: Vec<(Artist, i64, i64)> = Artist::objects()
            .annotate((Count(artist::albums).distinct(), n_tracks))
            .order_by(artist::name)
            .all(db)?;
        let got: Vec<(i64, i64)> = per.iter().map(|(_, a, t)| (*a, *t)).collect();
        assert_eq!(got, [(2, 4), (1, 0), (0, 0)]);
        // Sum over a to-many path is None where nothing is summed.
        let total: Vec<(Artist, Option<i64>)> = Artist::objects()
            .annotate(Sum(artist::albums.tracks().milliseconds()))
            .order_by(artist::name)
            .all(db)?;
        let got: Vec<Option<i64>> = total.into_iter().map(|(_, s)| s).collect();
        assert_eq!(
            got,
            [Some(343_719 + 205_662 + 233_926 + 331_180), None, None]
        );
        // first, last, get, slices on annotated rows.
        let top = Artist::objects()
            .annotate(n_albums)
            .order_by(-n_albums)
            .first(db)?;
        assert_eq!(
            top.map(|(a, n)| (a.name, n)),
            Some((Some("AC/DC".into()), 2))
        );
        let bottom = Artist::objects()
            .annotate(n_albums)
            .order_by(-n_albums)
            .last(db)?;
        assert_eq!(bottom.map(|(_, n)| n), Some(0));
        let (a, n) = Artist::objects()
            .annotate(n_albums)
            .filter(artist::name.eq("Accept"))
            .get(db)?;
        assert_eq!((a.name.as_deref(), n), (Some("Accept"), 1));
        let second = Artist::objects()
            .annotate(n_albums)
            .order_by(-n_albums)
            .offset(1)
            .limit(1)
            .all(db)?;
        assert_eq!(second[0].1, 1);
        assert!(
            Artist::objects()
                .annotate(n_albums)
                .filter(n_albums.gt(5))
                .first(db)?
                .is_none()
        );
        Ok(())
    })
}

#[test]
fn filter_and_annotate_order_means_what_it_means_in_django() -> Result<()> {
    each_empty_db(|db| {
        seed(db)?;
        use artist::*;
        // filter first: the annotation counts the matching albums only.
        let rows: Vec<(Artist, i64)> = Artist::objects()
            .filter(albums.title().contains("Rock"))
            .annotate(Count(albums))
            .order_by(name)
            .all(db)?;
        let got: Vec<i64> = rows.iter().map(|(_, n)| *n).collect();
        assert_eq!(got, [2]);
        // annotate first: the filter picks the artists, the count is all
        // their albums (each joined again: distinct keeps it right).
        let rows: Vec<(Artist, i64)> = Artist::objects()
            .annotate(Count(albums).distinct())
            .filter(albums.title().contains("Let There"))
            .all(db)?;
        let got: Vec<i64> = rows.iter().map(|(_, n)| *n).collect();
        assert_eq!(got, [2]);
        Ok(())
    })
}

#[test]
fn values_list_flat_tuples_paths_and_groups() -> Result<()> {
    each_empty_db(|db| {
        seed(db)?;
        for g in ["Rock", "Jazz", "Rock", "Metal"] {
            Genre::objects().create(
                db,
                Genre {
                    id: 0,
                    name: g.into(),
                },
            )?;
        }
        let names: Vec<String> = Genre::objects()
            .values_list(genre::name)
            .distinct()
            .order_by(genre::name)
            .all(db)?;
        assert_eq!(names, ["Jazz", "Metal", "Rock"]);
        assert_eq!(
            Genre::objects()
                .values_list(genre::name)
                .distinct()
                .count(db)?,
            3
        );
        assert_eq!(Genre::objects().values_list(genre::name).count(db)?, 4);
        assert_eq!(
            Genre::objects().values_list(genre::name).first(db)?,
            Some("Rock".to_string())
        );
        assert_eq!(
            Genre::objects()
                .values_list(genre::name)
                .distinct()
                .first(db)?,
            Some("Jazz".to_string())
        );
        assert_eq!(
            Genre::objects().values_list(genre::name).last(db)?,
            Some("Metal".to_string())
        );
        let two: Vec<String> = Genre::objects()
            .values_list(genre::name)
            .order_by(genre::id)
            .offset(1)
            .limit(2)
            .all(db)?;
        assert_eq!(two, ["Jazz", "Rock"]);

        let rows: Vec<(String, Option<String>)> = Track::objects()
            .values_list((track::name, track::album.title()))
            .order_by(track::name)
            .all(db)?;
        assert_eq!(
            rows[0],
            (
                "For Those About To Rock".into(),
                Some("For Those About To Rock".into())
            )
        );
        assert_eq!(rows[3], ("Orphan".into(), None));
        // An expression listed.
        let secs: Vec<i64> = Track::objects()
            .values_list(track::milliseconds / 1000)
            .order_by(track::milliseconds)
            .all(db)?;
        assert_eq!(secs, [1, 205, 233, 331, 343]);

        for (name, country) in [
            ("Luís", Some("Brazil")),
            ("Leonie", Some("Germany")),
            ("François", Some("Canada")),
            ("Bjørn", Some("Norway")),
            ("Eduardo", Some("Brazil")),
            ("Nobody", None),
            ("Nemo", None),
        ] {
            Customer::objects().create(
                db,
                Customer {
                    id: 0,
                    first_name: name.into(),
                    country: country.map(Into::into),
                },
            )?;
        }
        let per_country: Vec<(Option<String>, i64)> = Customer::objects()
            .values_list(customer::country)
            .annotate(Count(customer::id))
            .order_by(customer::country)
            .all(db)?;
        // NULL is a group of its own; PostgreSQL and SQLite put NULL at
        // different ends of the order: compare as sets.
        let mut sorted = per_country.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            [
                (None, 2),
                (Some("Brazil".into()), 2),
                (Some("Canada".into()), 1),
                (Some("Germany".into()), 1),
                (Some("Norway".into()), 1),
            ]
        );
        // HAVING on values, ordered by the aggregate.
        let n = Count(customer::id);
        let crowded: Vec<(Option<String>, i64)> = Customer::objects()
            .values_list(customer::country)
            .annotate(n)
            .filter(n.gt(1) & customer::country.isnull(false))
            .all(db)?;
        assert_eq!(crowded, [(Some("Brazil".into()), 2)]);
        assert_eq!(
            Customer::objects()
                .values_list(customer::country)
                .annotate(n)
                .count(db)?,
            5
        );
        let biggest = Customer::objects()
            .values_list(customer::country)
            .annotate(n)
            .order_by((-n, customer::country))
            .first(db)?;
        assert_eq!(biggest.map(|(_, n)| n), Some(2));
        Ok(())
    })
}

#[test]
fn update_and_delete_of_an_annotated_filter_touch_the_matching_rows_only() -> Result<()> {
    each_empty_db(|db| {
        seed(db)?;
        let lonely = Artist::objects().filter(Count(artist::albums).eq(0));
        assert_eq!(lonely.count(db)?, 1);
        assert_eq!(lonely.delete(db)?, 1);
        assert_eq!(Artist::objects().count(db)?, 2);
        let busy = Artist::objects().filter(Count(artist::albums).gte(2));
        assert_eq!(busy.update(db, artist::name.set("Busy"))?, 1);
        assert_eq!(
            Artist::objects()
                .filter(artist::name.eq("Busy"))
                .count(db)?,
            1
        );
        Ok(())
    })
}

#[test]
fn none_aggregates_to_the_empty_values_without_a_statement() -> Result<()> {
    each_empty_db(|db| {
        seed(db)?;
        let before = db.queries_run();
        let (n, total): (i64, Option<i64>) = Track::objects()
            .none()
            .aggregate(db, (Count(track::id), Sum(track::milliseconds)))?;
        assert_eq!((n, total), (0, None));
        let names: Vec<String> = Track::objects().none().values_list(track::name).all(db)?;
        assert!(names.is_empty());
        assert_eq!(db.queries_run(), before);
        Ok(())
    })
}
