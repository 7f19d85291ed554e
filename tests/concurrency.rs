//! Many writers at once: threads through a `Pool` on a SQLite file and on
//! PostgreSQL, and separate processes on one SQLite file running
//! read-then-write transactions (the case `BEGIN IMMEDIATE` is for).

mod common;

use std::process::Command;

use common::*;
use query::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: i64,
    pub worker: i64,
    pub seq: i64,
}

/// The read-then-write transaction of issue 8: count this worker's rows,
/// then add the next one. Every row a worker writes has a distinct `seq`.
fn next_entry(db: &Db, worker: i64) -> Result<()> {
    db.atomic(|db| {
        let n = Entry::objects()
            .filter(entry::worker.eq(worker))
            .count(db)?;
        Entry::objects().create(
            db,
            Entry {
                id: 0,
                worker,
                seq: n as i64,
            },
        )?;
        Ok(())
    })
}

/// Every worker wrote `each` rows, numbered 0..each.
fn check_entries(db: &Db, workers: i64, each: i64) -> Result<()> {
    assert_eq!(Entry::objects().count(db)? as i64, workers * each);
    for w in 0..workers {
        let mut seqs: Vec<i64> = Entry::objects()
            .filter(entry::worker.eq(w))
            .all(db)?
            .into_iter()
            .map(|e| e.seq)
            .collect();
        seqs.sort();
        assert_eq!(seqs, (0..each).collect::<Vec<_>>(), "worker {w}");
    }
    Ok(())
}

/// `workers` threads, each running `work` with its worker number on a
/// connection of its own from a pool of that size, on an `Entry` table.
fn through_a_pool(
    url: &str,
    workers: i64,
    work: impl Fn(&Db, i64) -> Result<()> + Sync,
) -> Result<Pool> {
    let pool = Pool::connect(url, workers as u32)?;
    pool.get()?.create_table::<Entry>()?;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (pool, work) = (&pool, &work);
                s.spawn(move || work(&*pool.get()?, w))
            })
            .collect();
        for h in handles {
            h.join().expect("writer thread")?;
        }
        Ok::<(), Error>(())
    })?;
    Ok(pool)
}

/// Eight threads, a thousand plain writes each, through a pool.
fn eight_threads_write_through_a_pool(url: &str) -> Result<()> {
    let pool = through_a_pool(url, 8, |db, w| {
        for seq in 0..1000 {
            Entry::objects().create(
                db,
                Entry {
                    id: 0,
                    worker: w,
                    seq,
                },
            )?;
        }
        Ok(())
    })?;
    check_entries(&*pool.get()?, 8, 1000)
}

/// Four threads, read-then-write transactions, through a pool.
fn transactions_through_a_pool(url: &str) -> Result<()> {
    let pool = through_a_pool(url, 4, |db, w| {
        for _ in 0..100 {
            next_entry(db, w)?;
        }
        Ok(())
    })?;
    check_entries(&*pool.get()?, 4, 100)
}

#[test]
fn eight_threads_write_every_row_to_a_sqlite_file() -> Result<()> {
    let file = TempPath::new("pool8");
    eight_threads_write_through_a_pool(&format!("sqlite://{}", file.path().display()))
}

#[test]
fn eight_threads_write_every_row_to_postgres() -> Result<()> {
    let Some(db) = postgres_db() else {
        return Ok(());
    };
    let url = with_search_path(&postgres_url().expect("configured"), &current_schema(&db));
    eight_threads_write_through_a_pool(&url)
}

#[test]
fn read_then_write_transactions_through_a_pool_on_a_sqlite_file() -> Result<()> {
    let file = TempPath::new("pooltx");
    transactions_through_a_pool(&format!("sqlite://{}", file.path().display()))
}

#[test]
fn read_then_write_transactions_through_a_pool_on_postgres() -> Result<()> {
    let Some(db) = postgres_db() else {
        return Ok(());
    };
    let url = with_search_path(&postgres_url().expect("configured"), &current_schema(&db));
    transactions_through_a_pool(&url)
}

fn current_schema(db: &Db) -> String {
    match &db.query("SELECT current_schema()", &[]).expect("schema")[0][0] {
        Value::Text(s) => s.clone(),
        other => panic!("current_schema gave {other:?}"),
    }
}

const CHILD_DB: &str = "QUERY_TEST_CHILD_DB";
const CHILD_WORKER: &str = "QUERY_TEST_CHILD_WORKER";
const PROCESSES: i64 = 4;
const TRANSACTIONS: i64 = 300;

/// Four processes (this test binary, run again as `child_writer`) on one
/// SQLite file, each committing 300 read-then-write transactions. Without
/// `BEGIN IMMEDIATE`, SQLite refuses the late upgrade from reader to writer
/// at once ("database is locked") and most transactions are lost.
#[test]
fn processes_running_read_then_write_transactions_on_one_file_all_commit() -> Result<()> {
    let file = TempPath::new("procs");
    Db::open(file.path())?.create_table::<Entry>()?;
    let exe = std::env::current_exe().expect("test binary");
    let children: Vec<_> = (0..PROCESSES)
        .map(|w| {
            Command::new(&exe)
                .args(["child_writer", "--exact", "--ignored", "--nocapture"])
                .env(CHILD_DB, file.path())
                .env(CHILD_WORKER, w.to_string())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn a writer process")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("writer process");
        assert!(
            out.status.success(),
            "a writer process failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    check_entries(&Db::open(file.path())?, PROCESSES, TRANSACTIONS)
}

/// One writer process of the test above; does nothing when run alone.
#[test]
#[ignore = "run by processes_running_read_then_write_transactions_on_one_file_all_commit"]
fn child_writer() -> Result<()> {
    let (Ok(path), Ok(worker)) = (std::env::var(CHILD_DB), std::env::var(CHILD_WORKER)) else {
        return Ok(());
    };
    let worker: i64 = worker.parse().expect("worker number");
    let db = Db::open(path)?;
    for _ in 0..TRANSACTIONS {
        next_entry(&db, worker)?;
    }
    Ok(())
}

/// A write lock held past the busy timeout: `atomic` fails with
/// `Error::Busy`, saying so, and writes nothing.
#[test]
fn a_lock_held_past_the_busy_timeout_is_a_clear_error() -> Result<()> {
    let file = TempPath::new("busy");
    let holder = Db::open(file.path())?;
    holder.create_table::<Entry>()?;
    let waiter = Db::open(file.path())?;
    // A short timeout, so that the test does not wait the default 5 s.
    waiter
        .connection()
        .busy_timeout(std::time::Duration::from_millis(100))
        .expect("busy timeout");
    holder.execute_batch("BEGIN IMMEDIATE")?;
    let err = next_entry(&waiter, 0).unwrap_err();
    assert!(matches!(err, Error::Busy { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("held the write lock for longer than the busy timeout"),
        "{err}"
    );
    holder.execute_batch("COMMIT")?;
    assert_eq!(Entry::objects().count(&waiter)?, 0);
    // Once the lock is free, the same transaction commits.
    next_entry(&waiter, 0)?;
    assert_eq!(Entry::objects().count(&waiter)?, 1);
    Ok(())
}
