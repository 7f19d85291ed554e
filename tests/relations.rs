//! Relations: foreign keys, on both backends.

mod common;

use common::*;
use query::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Artist {
    pub id: i64,
    pub name: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Album {
    pub id: i64,
    pub title: String,
    #[field(on_delete = Cascade)]
    pub artist: ForeignKey<Artist>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Employee {
    pub id: i64,
    pub last_name: String,
    #[field(on_delete = SetNull)]
    pub reports_to: Option<ForeignKey<Employee>>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Profile {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub employee: OneToOne<Employee>,
}

fn tables(db: &Db) -> Result<()> {
    db.create_table::<Artist>()?;
    db.create_table::<Album>()?;
    db.create_table::<Employee>()?;
    db.create_table::<Profile>()?;
    Ok(())
}

#[test]
fn a_foreign_key_is_a_column_named_field_id_holding_the_key() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        let acdc = Artist::objects().create(
            db,
            Artist {
                id: 0,
                name: Some("AC/DC".into()),
            },
        )?;
        let album = Album::objects().create(
            db,
            Album {
                id: 0,
                title: "Let There Be Rock".into(),
                artist: ForeignKey::from(&acdc),
            },
        )?;
        let rows = db.query("SELECT artist_id FROM album", &[])?;
        assert_eq!(rows, [[Value::Integer(acdc.id)]]);
        let back = Album::objects().get(db)?;
        assert_eq!(back, album);
        assert_eq!(back.artist.id(), acdc.id);
        assert!(
            back.artist.get().is_none(),
            "not loaded without select_related"
        );
        assert_eq!(back.artist.fetch(db)?, acdc);
        assert_eq!(
            ForeignKey::<Artist>::new(999)
                .fetch(db)
                .unwrap_err()
                .to_string(),
            "Artist matching query does not exist"
        );
        Ok(())
    })
}

#[test]
fn a_nullable_self_reference_and_a_one_to_one() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        let boss = Employee::objects().create(
            db,
            Employee {
                id: 0,
                last_name: "Adams".into(),
                reports_to: None,
            },
        )?;
        let clerk = Employee::objects().create(
            db,
            Employee {
                id: 0,
                last_name: "Edwards".into(),
                reports_to: Some((&boss).into()),
            },
        )?;
        use employee::*;
        assert_eq!(
            Employee::objects()
                .filter(reports_to.isnull(true))
                .get(db)?,
            boss
        );
        assert_eq!(
            Employee::objects().filter(reports_to.eq(&boss)).get(db)?,
            clerk
        );
        let meta = Employee::META
            .fields
            .iter()
            .find(|f| f.name == "reports_to")
            .unwrap();
        assert_eq!(meta.column, "reports_to_id");
        let fk = meta.foreign_key.expect("a foreign key");
        assert_eq!((fk.to)().name, "Employee");
        assert_eq!(fk.on_delete, query::OnDelete::SetNull);
        // One-to-one: a unique column.
        Profile::objects().create(
            db,
            Profile {
                id: 0,
                employee: (&boss).into(),
            },
        )?;
        let err = Profile::objects()
            .create(
                db,
                Profile {
                    id: 0,
                    employee: (&boss).into(),
                },
            )
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Integrity {
                    kind: query::ConstraintKind::Unique,
                    ..
                }
            ),
            "{err:?}"
        );
        Ok(())
    })
}
