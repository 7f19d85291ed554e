//! Issue 8's workload: N writer threads (1, 2, 4), each with a connection of
//! its own, each running read-then-write transactions in a loop:
//!
//! ```text
//! db.atomic(|db| {
//!     let n = Entry::objects().filter(entry::worker.eq(w)).count(db)?;
//!     Entry::objects().create(db, Entry { id: 0, worker: w, seq: n as i64 })?;
//!     Ok(())
//! })
//! ```
//!
//! on a SQLite file in WAL mode (`Db::open`), and on PostgreSQL through a
//! `Pool` when `QUERY_TEST_POSTGRES` is set (in a schema of its own,
//! dropped at the end). Reports committed transactions per second, wall
//! clock from the moment every writer holds its connection until the last
//! one finishes; each configuration runs a few times on an emptied table,
//! and the median, minimum and maximum are printed. Every transaction must
//! commit: an error stops the bench, and the rows are checked afterwards.
//!
//! A plain timed harness (not criterion): one measurement is a whole run
//! of all writers, seconds long, and what matters is its throughput.

#[path = "common/mod.rs"]
mod common;

use std::ops::Deref;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use query::prelude::*;

/// The table the writers share.
#[derive(Model, Debug)]
pub struct Entry {
    pub id: i64,
    #[field(db_index)]
    pub worker: i64,
    pub seq: i64,
}

const WRITERS: [usize; 3] = [1, 2, 4];

/// Transactions per writer: each run takes a few tenths of a second.
const SQLITE_PER_WRITER: usize = 2000;
const POSTGRES_PER_WRITER: usize = 500;
/// Runs per configuration.
const RUNS: usize = 5;
/// Under `--test`: transactions per writer, one run.
const TEST_PER_WRITER: usize = 5;

/// Issue 8's transaction for writer `w`.
fn transaction(db: &Db, w: i64) -> query::Result<()> {
    db.atomic(|db| {
        let n = Entry::objects().filter(entry::worker.eq(w)).count(db)?;
        Entry::objects().create(
            db,
            Entry {
                id: 0,
                worker: w,
                seq: n as i64,
            },
        )?;
        Ok(())
    })
}

/// One run: each connection's writer runs `per_writer` transactions;
/// returns the wall time from when all are ready to when the last is done.
fn run<C: Deref<Target = Db> + Send>(conns: Vec<C>, per_writer: usize) -> Duration {
    let barrier = Barrier::new(conns.len() + 1);
    std::thread::scope(|s| {
        let barrier = &barrier;
        let handles: Vec<_> = conns
            .into_iter()
            .enumerate()
            .map(|(w, db)| {
                s.spawn(move || {
                    barrier.wait();
                    for _ in 0..per_writer {
                        transaction(&db, w as i64).expect("a transaction failed");
                    }
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        for h in handles {
            h.join().expect("a writer panicked");
        }
        start.elapsed()
    })
}

/// Checks that every transaction's row is there, each writer's `seq`
/// exactly 0..per_writer (each read saw all of the writer's earlier rows).
fn check(db: &Db, writers: usize, per_writer: usize) {
    for w in 0..writers as i64 {
        let mut seqs: Vec<i64> = Entry::objects()
            .filter(entry::worker.eq(w))
            .all(db)
            .expect("read back")
            .into_iter()
            .map(|e| e.seq)
            .collect();
        seqs.sort_unstable();
        assert_eq!(
            seqs,
            (0..per_writer as i64).collect::<Vec<_>>(),
            "writer {w}'s rows"
        );
    }
}

/// The measured figures of one configuration, in transactions per second.
struct Figure {
    backend: &'static str,
    writers: usize,
    tps: Vec<f64>,
}

fn measure<C: Deref<Target = Db> + Send>(
    backend: &'static str,
    admin: &Db,
    mut connect: impl FnMut(usize) -> Vec<C>,
    (per_writer, runs): (usize, usize),
    out: &mut Vec<Figure>,
) {
    for writers in WRITERS {
        let mut tps = Vec::new();
        for _ in 0..runs {
            admin
                .execute("DELETE FROM entry", &[])
                .expect("empty entry");
            let conns = connect(writers);
            let t = run(conns, per_writer);
            check(admin, writers, per_writer);
            tps.push((writers * per_writer) as f64 / t.as_secs_f64());
        }
        tps.sort_by(f64::total_cmp);
        let f = Figure {
            backend,
            writers,
            tps,
        };
        println!(
            "concurrency  {:<8} {} writer{} x {per_writer} transactions: {:>8.0} tx/s (median of {}; {:.0}..{:.0})",
            f.backend,
            f.writers,
            if f.writers == 1 { " " } else { "s" },
            f.median(),
            f.tps.len(),
            f.tps[0],
            f.tps[f.tps.len() - 1],
        );
        out.push(f);
    }
}

impl Figure {
    fn median(&self) -> f64 {
        self.tps[self.tps.len() / 2]
    }
}

fn sqlite(sizes: (usize, usize), out: &mut Vec<Figure>) {
    let dir = std::env::temp_dir().join(format!("query-bench-concurrency-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("bench.db");
    {
        let admin = Db::open(&path).expect("open the SQLite file");
        admin.create_table::<Entry>().expect("create entry");
        measure(
            "sqlite",
            &admin,
            |n| {
                (0..n)
                    .map(|_| Db::open(&path).expect("open the SQLite file"))
                    .map(Box::new)
                    .collect()
            },
            sizes,
            out,
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn postgres(url: &str, sizes: (usize, usize), out: &mut Vec<Figure>) {
    let schema = common::PgSchema::create(url, "concurrency");
    let admin = Db::connect(&schema.url).expect("connect to the bench schema");
    admin.create_table::<Entry>().expect("create entry");
    let pool = Pool::connect(&schema.url, WRITERS[WRITERS.len() - 1] as u32).expect("pool");
    measure(
        "postgres",
        &admin,
        |n| {
            (0..n)
                .map(|_| pool.get().expect("pooled connection"))
                .collect()
        },
        sizes,
        out,
    );
    drop(pool);
    drop(admin);
    drop(schema);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        println!("concurrency: benchmark");
        return;
    }
    // `cargo bench` passes `--bench`; without it (`cargo test --benches`)
    // or with criterion's `--test`, run each configuration once, briefly.
    let test = args.iter().any(|a| a == "--test") || !args.iter().any(|a| a == "--bench");
    if !test && !common::paired_wanted("concurrency") {
        return;
    }
    let sizes = |per_writer| {
        if test {
            (TEST_PER_WRITER, 1)
        } else {
            (per_writer, RUNS)
        }
    };
    let mut figures = Vec::new();
    sqlite(sizes(SQLITE_PER_WRITER), &mut figures);
    if let Some(url) = common::postgres_url("concurrency") {
        postgres(&url, sizes(POSTGRES_PER_WRITER), &mut figures);
    }
    if test {
        println!("concurrency: every transaction committed (test mode, nothing measured)");
        return;
    }
    // For benches/ratios.sh: `backend writers median min max` per line.
    if let Some(dir) = common::criterion_dir() {
        let dir = dir.join("concurrency");
        let text: String = figures
            .iter()
            .map(|f| {
                format!(
                    "{} {} {:.0} {:.0} {:.0}\n",
                    f.backend,
                    f.writers,
                    f.median(),
                    f.tps[0],
                    f.tps[f.tps.len() - 1]
                )
            })
            .collect();
        let _ =
            std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(dir.join("tps.txt"), text));
    }
}
