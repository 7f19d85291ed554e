//! `Db` on each backend: connecting by URL, bad URLs and refused logins,
//! transactions, a server that closes the connection, statement counting
//! and logging.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use query::prelude::*;
use query::{ConstraintKind, Isolation};

// ---------------------------------------------------------------------------
// Connecting

#[test]
fn connect_takes_sqlite_urls() -> Result<()> {
    let db = Db::connect("sqlite::memory:")?;
    assert_eq!(db.backend(), Backend::Sqlite);
    db.create_table::<Product>()?;

    let file = TempPath::new("url");
    let url = format!("sqlite://{}", file.path().display());
    {
        let db = Db::connect(&url)?;
        db.create_table::<Product>()?;
        seed_products(&db, &[("a", 1, 1)]);
    }
    // The same file, opened again by path: the row is there.
    let db = Db::open(file.path())?;
    assert_eq!(Product::objects().count(&db)?, 1);
    Ok(())
}

#[test]
fn connect_takes_postgres_urls() -> Result<()> {
    let Some(url) = postgres_url() else {
        return Ok(());
    };
    let db = Db::connect(&url)?;
    assert_eq!(db.backend(), Backend::Postgres);
    assert_eq!(db.backend().vendor(), "postgresql");
    let rows = db.query("SELECT $1::bigint + 1", &[Value::Integer(41)])?;
    assert_eq!(rows, [[Value::Integer(42)]]);
    // postgresql:// is the same scheme.
    let other = url.replacen("postgres://", "postgresql://", 1);
    assert_eq!(Db::connect(&other)?.backend(), Backend::Postgres);
    Ok(())
}

#[test]
fn a_bad_url_is_an_error_that_says_why() {
    for (url, says) in [
        ("shop.db", "no scheme"),
        ("mysql://root@localhost/shop", "unknown scheme `mysql`"),
        ("sqlite://", "no file"),
        ("sqlite:shop.db", "sqlite://path/to/file.db"),
        (
            "postgres://app@127.0.0.1:notaport/shop",
            "invalid database URL",
        ),
    ] {
        let err = Db::connect(url).unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }), "{url}: {err:?}");
        assert!(err.to_string().contains(says), "{url}: {err}");
    }
}

#[test]
fn an_unreachable_server_is_a_connect_error() {
    // Nothing listens on port 1.
    let err = Db::connect("postgres://app:secret@127.0.0.1:1/shop").unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("127.0.0.1:1"), "{text}");
    assert!(!text.contains("secret"), "the password is hidden: {text}");
}

#[test]
fn a_refused_login_is_a_connect_error() {
    let Some(url) = postgres_url() else {
        return;
    };
    // A role and a database that don't exist.
    let base = url.split('?').next().unwrap_or(&url);
    let host = base
        .trim_start_matches("postgres://")
        .trim_start_matches("postgresql://");
    let host = host.split('@').nth(1).unwrap_or(host);
    let host = host.split('/').next().unwrap_or(host);
    for bad in [
        format!("postgres://no_such_role_here@{host}/test"),
        format!("postgres://postgres@{host}/no_such_database_here"),
    ] {
        let err = Db::connect(&bad).unwrap_err();
        assert!(matches!(err, Error::Connect { .. }), "{bad}: {err:?}");
        assert!(err.to_string().contains("does not exist"), "{bad}: {err}");
    }
}

#[test]
fn a_pool_refuses_an_in_memory_sqlite_database_and_an_empty_size() {
    let err = Pool::connect("sqlite::memory:", 4).unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
    let file = TempPath::new("pool0");
    let err = Pool::connect(&format!("sqlite://{}", file.path().display()), 0).unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
}

#[test]
fn a_pool_fails_at_once_on_a_bad_server() {
    let err = Pool::connect("postgres://app@127.0.0.1:1/shop", 4).unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
}

// ---------------------------------------------------------------------------
// A server that closes the connection

#[test]
fn the_pool_recovers_when_the_server_closes_a_connection() -> Result<()> {
    let Some(test) = postgres_db() else {
        return Ok(());
    };
    let url = with_search_path(&postgres_url().expect("configured"), &schema_of(&test));
    test.create_table::<Product>()?;
    let pool = Pool::connect(&url, 2)?;
    let admin = Db::connect(&postgres_url().expect("configured"))?;
    {
        let db = pool.get()?;
        seed_products(&db, &[("a", 1, 1)]);
        let pid = backend_pid(&db)?;
        admin.execute(
            "SELECT pg_terminate_backend($1::int)",
            &[Value::Integer(pid)],
        )?;
        // The statement that was running when the server went away fails
        // with an error, and the connection knows it is broken.
        let err = Product::objects().count(&db).unwrap_err();
        assert!(matches!(err, Error::Database { .. }), "{err:?}");
        assert!(db.is_broken());
    }
    // The pool drops the broken connection and hands out a working one.
    let db = pool.get()?;
    assert_eq!(Product::objects().count(&db)?, 1);
    Ok(())
}

fn backend_pid(db: &Db) -> Result<i64> {
    match &db.query("SELECT pg_backend_pid()", &[])?[0][0] {
        Value::Integer(pid) => Ok(*pid),
        other => panic!("pg_backend_pid gave {other:?}"),
    }
}

fn schema_of(db: &Db) -> String {
    match &db.query("SELECT current_schema()", &[]).expect("schema")[0][0] {
        Value::Text(s) => s.clone(),
        other => panic!("current_schema gave {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Transactions

#[test]
fn a_failed_statement_inside_atomic_rolls_everything_back() -> Result<()> {
    each_db(|db| {
        let result = db.atomic(|db| {
            Gadget::objects().create(db, new_gadget("a", "red"))?;
            Gadget::objects().create(db, new_gadget("a", "red"))?; // duplicate sku
            Ok(())
        });
        let err = result.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Integrity {
                    kind: ConstraintKind::Unique,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(raw_count(db, "gadgets"), 0);
        // The connection is usable again (on PostgreSQL: the aborted
        // transaction was rolled back).
        Gadget::objects().create(db, new_gadget("b", "red"))?;
        assert_eq!(raw_count(db, "gadgets"), 1);
        Ok(())
    })
}

#[test]
fn a_nested_atomic_that_fails_lets_the_outer_one_go_on() -> Result<()> {
    each_db(|db| {
        db.atomic(|db| {
            Gadget::objects().create(db, new_gadget("a", "red"))?;
            let inner = db.atomic(|db| {
                Gadget::objects().create(db, new_gadget("b", "red"))?;
                Gadget::objects().create(db, new_gadget("a", "red")) // duplicate
            });
            assert!(inner.is_err());
            // On PostgreSQL this statement would fail ("current transaction
            // is aborted") if the savepoint had not been rolled back.
            Gadget::objects().create(db, new_gadget("c", "red"))?;
            Ok(())
        })?;
        let mut skus: Vec<String> = Gadget::objects()
            .all(db)?
            .into_iter()
            .map(|g| g.sku)
            .collect();
        skus.sort();
        assert_eq!(skus, ["a", "c"]);
        Ok(())
    })
}

#[test]
fn atomic_rolls_back_when_the_closure_panics() -> Result<()> {
    each_db(|db| {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = db.atomic(|db| {
                Gadget::objects().create(db, new_gadget("a", "red"))?;
                panic!("boom");
                #[allow(unreachable_code)]
                Ok(())
            });
        }));
        assert!(outcome.is_err());
        assert_eq!(raw_count(db, "gadgets"), 0);
        // And the next transaction is a transaction of its own.
        db.atomic(|db| {
            Gadget::objects()
                .create(db, new_gadget("b", "red"))
                .map(drop)
        })?;
        assert_eq!(raw_count(db, "gadgets"), 1);
        Ok(())
    })
}

#[test]
fn a_serialization_failure_is_its_own_error_kind() -> Result<()> {
    let Some(first) = postgres_db() else {
        return Ok(());
    };
    first.create_table::<Gadget>()?;
    let g = Gadget::objects().create(&first, new_gadget("a", "red"))?;
    let url = with_search_path(&postgres_url().expect("configured"), &schema_of(&first));
    let second = Db::connect(&url)?;
    use gf::*;
    let result = first.atomic_with(Isolation::RepeatableRead, |db| {
        // The transaction's snapshot is taken by its first query.
        assert_eq!(Gadget::objects().count(db)?, 1);
        // Another connection changes the row and commits.
        Gadget::objects()
            .filter(id.eq(g.id))
            .update(&second, stock.set(1))?;
        // Changing the same row now can't be serialized.
        Gadget::objects()
            .filter(id.eq(g.id))
            .update(db, stock.set(2))
    });
    let err = result.unwrap_err();
    assert!(matches!(err, Error::SerializationFailure { .. }), "{err:?}");
    assert!(err.to_string().contains("retry"), "{err}");
    // Nothing of the failed transaction stayed; the other write did.
    assert_eq!(Gadget::objects().get(&first)?.stock, 1);
    Ok(())
}

// ---------------------------------------------------------------------------
// Counting and logging

#[test]
fn queries_run_counts_each_statement() -> Result<()> {
    each_db(|db| {
        let before = db.queries_run();
        Product::objects().all(db)?;
        assert_eq!(db.queries_run(), before + 1);
        db.atomic(|db| {
            Product::objects()
                .create(db, new_product("a", 1, 1))
                .map(drop)
        })?;
        // BEGIN, INSERT, COMMIT.
        assert_eq!(db.queries_run(), before + 4);
        Ok(())
    })
}

/// The events a subscriber saw: target, message and fields, as text.
#[derive(Default, Clone)]
struct Seen(Arc<Mutex<Vec<(String, String)>>>);

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
}

impl tracing::Subscriber for Seen {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        self.0
            .lock()
            .expect("lock")
            .push((event.metadata().target().to_owned(), fields.0));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn each_statement_is_a_tracing_event() -> Result<()> {
    each_db(|db| {
        let seen = Seen::default();
        tracing::subscriber::with_default(seen.clone(), || -> Result<()> {
            use product::*;
            seed_products(db, &[("Sony", 450, 1)]);
            Product::objects().filter(price.lte(500)).all(db)?;
            Ok(())
        })?;
        let events = seen.0.lock().expect("lock").clone();
        let select = events
            .iter()
            .find(|(_, f)| f.contains("SELECT"))
            .expect("a SELECT was logged");
        assert_eq!(select.0, "query");
        for field in ["sql=", "params=", "rows=1", "elapsed_us="] {
            assert!(select.1.contains(field), "{field} in {}", select.1);
        }
        assert!(select.1.contains("Integer(500)"), "{}", select.1);
        let insert = events
            .iter()
            .find(|(_, f)| f.contains("INSERT"))
            .expect("an INSERT was logged");
        assert!(insert.1.contains("Text(\"Sony\")"), "{}", insert.1);
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Review fixes: transactions and the statement cache

#[test]
fn an_error_swallowed_inside_atomic_rolls_the_block_back_and_says_so() -> Result<()> {
    each_db(|db| {
        let result = db.atomic(|db| {
            Gadget::objects().create(db, new_gadget("a", "red"))?;
            // A failed statement whose error the block ignores.
            let _ = Gadget::objects().create(db, new_gadget("a", "red"));
            Ok(())
        });
        let err = result.unwrap_err();
        assert!(matches!(err, Error::TransactionAborted), "{err:?}");
        assert_eq!(raw_count(db, "gadgets"), 0);
        // The same, handled with a nested atomic, keeps the first row.
        db.atomic(|db| {
            Gadget::objects().create(db, new_gadget("a", "red"))?;
            let dup = db.atomic(|db| Gadget::objects().create(db, new_gadget("a", "red")));
            assert!(dup.is_err());
            Ok(())
        })?;
        assert_eq!(raw_count(db, "gadgets"), 1);
        Ok(())
    })
}

#[test]
fn atomic_inside_the_programs_own_transaction_is_a_savepoint() -> Result<()> {
    each_db(|db| {
        db.execute_batch("BEGIN")?;
        Gadget::objects().create(db, new_gadget("a", "red"))?;
        let failed = db.atomic(|db| {
            Gadget::objects().create(db, new_gadget("b", "red"))?;
            Err::<(), _>(Error::DoesNotExist { model: "Gadget" })
        });
        assert!(failed.is_err());
        // Only the block was rolled back; the program's transaction is open.
        db.atomic(|db| {
            Gadget::objects()
                .create(db, new_gadget("c", "red"))
                .map(drop)
        })?;
        assert_eq!(raw_count(db, "gadgets"), 2);
        // Its ROLLBACK undoes everything, the committed block included.
        db.execute_batch("ROLLBACK")?;
        assert_eq!(raw_count(db, "gadgets"), 0);
        Ok(())
    })
}

#[test]
fn a_borrowed_postgres_client_is_an_error_not_a_panic() -> Result<()> {
    let Some(db) = postgres_db() else {
        return Ok(());
    };
    db.create_table::<Gadget>()?;
    let client = db.postgres_client().expect("a PostgreSQL Db");
    let err = Gadget::objects().count(&db).unwrap_err();
    assert!(err.to_string().contains("postgres_client"), "{err}");
    drop(client);
    assert_eq!(Gadget::objects().count(&db)?, 0);
    Ok(())
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Widened {
    pub id: i64,
    pub n: i32,
}

#[test]
fn a_column_that_changed_type_under_a_cached_statement() -> Result<()> {
    let Some(first) = postgres_db() else {
        return Ok(());
    };
    first.create_table::<Widened>()?;
    let url = with_search_path(&postgres_url().expect("configured"), &schema_of(&first));
    let second = Db::connect(&url)?;
    // `second` prepares (and caches) the INSERT while `n` is an integer.
    second.execute("INSERT INTO widened (n) VALUES ($1)", &[Value::Integer(1)])?;
    // Another connection widens the column, as a migration would.
    first.execute_batch("ALTER TABLE widened ALTER COLUMN n TYPE bigint")?;
    // A value only a bigint holds: the stale statement is prepared again.
    second.execute(
        "INSERT INTO widened (n) VALUES ($1)",
        &[Value::Integer(5_000_000_000)],
    )?;
    // One that fits nothing is a data error that says why.
    let err = second
        .execute(
            "INSERT INTO widened (n) VALUES ($1::int)",
            &[Value::Integer(5_000_000_000)],
        )
        .unwrap_err();
    assert!(matches!(err, Error::Data { .. }), "{err:?}");
    assert!(err.to_string().contains("out of range"), "{err}");
    Ok(())
}

#[test]
fn text_is_not_bound_to_a_column_whose_binary_form_is_not_text() -> Result<()> {
    let Some(db) = postgres_db() else {
        return Ok(());
    };
    db.execute_batch("CREATE TABLE u (id uuid)")?;
    let err = db
        .execute(
            "INSERT INTO u VALUES ($1)",
            &[Value::Text("0123456789abcdef".into())],
        )
        .unwrap_err();
    assert!(err.to_string().contains("uuid"), "{err}");
    assert_eq!(
        db.query("SELECT count(*) FROM u", &[])?,
        [[Value::Integer(0)]]
    );
    Ok(())
}

#[test]
fn a_pooled_connection_comes_back_without_the_last_borrowers_transaction() -> Result<()> {
    let file = TempPath::new("poolreset");
    let pool = Pool::connect(&format!("sqlite://{}", file.path().display()), 1)?;
    {
        let db = pool.get()?;
        db.create_table::<Gadget>()?;
        db.execute_batch("BEGIN IMMEDIATE")?;
        Gadget::objects().create(&db, new_gadget("a", "red"))?;
        // Returned to the pool with the transaction (and the write lock) open.
    }
    let db = pool.get()?;
    assert_eq!(Gadget::objects().count(&db)?, 0);
    // Another connection can write: no lock is held.
    let other = Db::open(file.path())?;
    other
        .connection()
        .busy_timeout(std::time::Duration::from_millis(100))
        .expect("busy timeout");
    Gadget::objects().create(&other, new_gadget("b", "red"))?;
    assert_eq!(Gadget::objects().count(&db)?, 1);
    Ok(())
}

#[test]
fn a_postgres_lock_timeout_is_busy() -> Result<()> {
    let Some(first) = postgres_db() else {
        return Ok(());
    };
    first.create_table::<Gadget>()?;
    Gadget::objects().create(&first, new_gadget("a", "red"))?;
    let url = with_search_path(&postgres_url().expect("configured"), &schema_of(&first));
    let second = Db::connect(&url)?;
    second.execute_batch("SET lock_timeout = '100ms'")?;
    first.execute_batch("BEGIN; LOCK TABLE gadgets IN EXCLUSIVE MODE")?;
    use gf::*;
    let err = Gadget::objects().update(&second, stock.set(9)).unwrap_err();
    assert!(matches!(err, Error::Busy { .. }), "{err:?}");
    first.execute_batch("ROLLBACK")?;
    assert_eq!(Gadget::objects().update(&second, stock.set(9))?, 1);
    Ok(())
}
