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
            Employee::objects().filter(reports_to.eq(boss.id)).get(db)?,
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

// ---- schema

/// The single-column, non-unique indexes on `table.column`.
fn fk_indexes(db: &Db, table: &str, column: &str) -> Result<Vec<Vec<Value>>> {
    let sql = match db.backend() {
        query::Backend::Sqlite => {
            "SELECT il.name FROM pragma_index_list($1) il WHERE NOT il.\"unique\" \
             AND (SELECT count(*) FROM pragma_index_info(il.name)) = 1 \
             AND (SELECT name FROM pragma_index_info(il.name)) = $2"
        }
        _ => {
            "SELECT ic.relname::text FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid \
             JOIN pg_class c ON c.oid = ix.indrelid JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ix.indkey[0] \
             WHERE c.relname::text = $1 AND a.attname::text = $2 AND ix.indnatts = 1 AND NOT ix.indisunique \
             AND c.relnamespace = current_schema()::regnamespace"
        }
    };
    db.query(
        sql,
        &[Value::Text(table.into()), Value::Text(column.into())],
    )
}

#[test]
fn a_foreign_key_column_references_its_target_and_is_indexed() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        let fks = match db.backend() {
            query::Backend::Sqlite => db.query(
                "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list('album')",
                &[],
            )?,
            _ => db.query(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'album_artist_id_fkey' AND connamespace = current_schema()::regnamespace",
                &[],
            )?,
        };
        let expected = match db.backend() {
            query::Backend::Sqlite => vec![vec![
                Value::Text("artist_id".into()),
                Value::Text("artist".into()),
                Value::Text("id".into()),
            ]],
            _ => vec![vec![Value::Text(
                "FOREIGN KEY (artist_id) REFERENCES artist(id) DEFERRABLE INITIALLY DEFERRED"
                    .into(),
            )]],
        };
        assert_eq!(fks, expected);
        assert_eq!(
            fk_indexes(db, "album", "artist_id")?,
            [[Value::Text("album_artist_id_idx".into())]]
        );
        assert_eq!(
            fk_indexes(db, "employee", "reports_to_id")?,
            [[Value::Text("employee_reports_to_id_idx".into())]]
        );
        // A one-to-one column is unique, which indexes it already.
        assert!(fk_indexes(db, "profile", "employee_id")?.is_empty());
        // create_table again changes nothing.
        tables(db)?;
        Ok(())
    })
}

#[test]
fn the_constraint_is_checked_at_commit() -> Result<()> {
    each_empty_db(|db| {
        tables(db)?;
        let acdc = Artist::objects().create(
            db,
            Artist {
                id: 0,
                name: Some("AC/DC".into()),
            },
        )?;
        // Deferrable: a row may point at a missing key until the commit.
        db.atomic(|db| {
            let album = Album::objects().create(
                db,
                Album {
                    id: 0,
                    title: "High Voltage".into(),
                    artist: ForeignKey::new(acdc.id + 1000),
                },
            )?;
            db.execute(
                "UPDATE album SET artist_id = $1 WHERE id = $2",
                &[Value::Integer(acdc.id), Value::Integer(album.id)],
            )?;
            Ok(())
        })?;
        assert_eq!(Album::objects().count(db)?, 1);
        // At commit, a dangling key fails the whole transaction.
        let err = db
            .atomic(|db| {
                Album::objects().create(
                    db,
                    Album {
                        id: 0,
                        title: "Dirty Deeds".into(),
                        artist: ForeignKey::new(acdc.id),
                    },
                )?;
                Album::objects().create(
                    db,
                    Album {
                        id: 0,
                        title: "Orphan".into(),
                        artist: ForeignKey::new(acdc.id + 1000),
                    },
                )?;
                Ok(())
            })
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Integrity {
                    kind: query::ConstraintKind::ForeignKey,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(Album::objects().count(db)?, 1);
        Ok(())
    })
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Sleeve {
    pub id: i64,
    #[field(on_delete = Cascade)]
    pub vinyl: ForeignKey<Vinyl>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Vinyl {
    pub id: i64,
}

#[test]
fn create_table_before_its_target_is_an_error_that_says_so() -> Result<()> {
    each_empty_db(|db| {
        let err = db.create_table::<Sleeve>().unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("`sleeve`"), "{msg}");
        assert!(msg.contains("`vinyl_id`"), "{msg}");
        assert!(msg.contains("create `vinyl` first"), "{msg}");
        assert!(
            db.query("SELECT 1 FROM sleeve", &[]).is_err(),
            "nothing created"
        );
        db.create_table::<Vinyl>()?;
        db.create_table::<Sleeve>()?;
        Ok(())
    })
}
