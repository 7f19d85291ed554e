//! API.md's "Expressions and aggregates" section, compiled and run as it is
//! written there (with the models it assumes), on both backends.

mod common;

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
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
    #[field(unique, max_length = 120)]
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Track {
    pub id: i64,
    pub name: String,
    #[field(on_delete = SetNull)]
    pub album: Option<ForeignKey<Album>>,
    pub milliseconds: i64,
    pub bytes: i64,
    pub unit_price: f64,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: i64,
    pub country: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Invoice {
    pub id: i64,
    pub invoice_date: NaiveDateTime,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct InvoiceLine {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub track: ForeignKey<Track>,
    pub unit_price: f64,
    pub quantity: i32,
}

fn new_genre() -> Genre {
    Genre {
        id: 0,
        name: "Shoegaze".into(),
    }
}

#[test]
// `|| new_genre()` as API.md writes it.
#[allow(clippy::redundant_closure)]
fn the_section_runs_as_written() -> Result<()> {
    each_empty_db(|db| {
        db.create_table::<Artist>()?;
        db.create_table::<Album>()?;
        db.create_table::<Genre>()?;
        db.create_table::<Track>()?;
        db.create_table::<Customer>()?;
        db.create_table::<Invoice>()?;
        db.create_table::<InvoiceLine>()?;
        let a = Artist::objects().create(
            db,
            Artist {
                id: 0,
                name: Some("AC/DC".into()),
                albums: Related::default(),
            },
        )?;
        let al = Album::objects().create(
            db,
            Album {
                id: 0,
                title: "Rock".into(),
                artist: (&a).into(),
                tracks: Related::default(),
            },
        )?;
        let t = Track::objects().create(
            db,
            Track {
                id: 0,
                name: "Go Down".into(),
                album: Some((&al).into()),
                milliseconds: 331_180,
                bytes: 40_000_000,
                unit_price: 0.99,
            },
        )?;
        InvoiceLine::objects().create(
            db,
            InvoiceLine {
                id: 7,
                track: (&t).into(),
                unit_price: 0.99,
                quantity: 1,
            },
        )?;
        Customer::objects().create(
            db,
            Customer {
                id: 0,
                country: Some("Brazil".into()),
            },
        )?;
        let at = NaiveDate::from_ymd_opt(2010, 3, 4)
            .unwrap()
            .and_hms_opt(1, 2, 3)
            .unwrap();
        Invoice::objects().create(
            db,
            Invoice {
                id: 0,
                invoice_date: at,
            },
        )?;

        // As API.md writes it (with `db` for `&db`).
        let db = &db;
        {
            use track::*;
            let n = Track::objects()
                .filter(bytes.gt(milliseconds * 100))
                .count(db)?; // F("milliseconds") * 100
            assert_eq!(n, 1);
        }
        let n = InvoiceLine::objects()
            .filter(invoice_line::unit_price.lt(invoice_line::track.unit_price()))
            .count(db)?;
        assert_eq!(n, 0);
        InvoiceLine::objects()
            .filter(invoice_line::id.eq(7))
            .update(db, invoice_line::quantity.set(invoice_line::quantity + 1))?; // quantity=F("quantity")+1
        assert_eq!(InvoiceLine::objects().get(db)?.quantity, 2);

        let (n, total, mean): (i64, Option<i64>, Option<f64>) = Track::objects().aggregate(
            db,
            (
                Count(track::id),
                Sum(track::milliseconds),
                Avg(track::unit_price),
            ),
        )?;
        assert_eq!((n, total), (1, Some(331_180)));
        assert!(mean.is_some());

        let n_albums = Count(artist::albums); // an annotation is a value: reuse it
        let busy: Vec<(Artist, i64)> = Artist::objects()
            .annotate(n_albums) // GROUP BY the artist
            .filter(n_albums.gte(5)) // on an annotation: HAVING
            .order_by((-n_albums, artist::name))
            .all(db)?;
        assert!(busy.is_empty());

        let names: Vec<String> = Genre::objects()
            .values_list(genre::name)
            .distinct()
            .all(db)?; // flat=True
        assert!(names.is_empty());
        let rows: Vec<(String, Option<String>)> = Track::objects()
            .values_list((track::name, track::album.title()))
            .all(db)?;
        assert_eq!(rows, [("Go Down".to_string(), Some("Rock".to_string()))]);
        let per_country: Vec<(Option<String>, i64)> = Customer::objects()
            .values_list(customer::country)
            .annotate(Count(customer::id))
            .order_by(customer::country)
            .all(db)?;
        assert_eq!(per_country, [(Some("Brazil".to_string()), 1)]);
        let months: Vec<NaiveDate> = Invoice::objects()
            .dates(invoice::invoice_date, DatePart::Month)
            .all(db)?;
        assert_eq!(months, [NaiveDate::from_ymd_opt(2010, 3, 1).unwrap()]);
        assert_eq!(
            Invoice::objects()
                .filter(invoice::invoice_date.year().eq(2010))
                .count(db)?,
            1
        );

        let (genre, created) =
            Genre::objects().get_or_create(db, genre::name.eq("Shoegaze"), || Genre {
                id: 0,
                name: "Shoegaze".into(),
            })?;
        assert!(created);
        let (row, created) = Genre::objects().update_or_create(
            db,
            genre::name.eq("Shoegaze"),
            (genre::name.set("Shoegaze"),),
            || new_genre(),
        )?;
        assert!(!created);
        assert_eq!(row.id, genre.id);
        let by_key: HashMap<i64, Track> = Track::objects().in_bulk(db, [1, 2, 3])?;
        assert_eq!(by_key.len(), 1);
        for track in Track::objects().iterator(db)? {
            let track = track?;
            assert_eq!(track.name, "Go Down");
        } // streams; memory stays flat
        let qs = Track::objects().filter(track::milliseconds.gt(0));
        let plan: String = qs.explain(db)?; // the database's plan
        assert!(plan.contains("track"), "{plan}");
        Ok(())
    })
}
