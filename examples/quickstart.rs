//! The Django tutorial's `Product` queries, one step at a time.
//!
//! Run it with `cargo run --example quickstart`. It writes `quickstart.db` in
//! the current directory (removing the previous one first, so every run starts
//! from the same rows) and prints, for each step, the Django line it mirrors,
//! the SQL with its bound values, and the rows that come back.

use chrono::{NaiveDate, NaiveDateTime};
use query::prelude::*;

const DB_FILE: &str = "quickstart.db";

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Product {
    pub id: i64,
    #[field(max_length = 50)]
    pub name: String,
    pub price: i64,
    pub qty: i32,
    pub pub_time: NaiveDateTime,
}

fn main() -> query::Result<()> {
    remove_previous_run();
    let db = Db::open(DB_FILE)?;
    use product::*;

    heading("python manage.py migrate", "db.create_table::<Product>()");
    db.create_table::<Product>()?;
    println!("created table \"product\" in {DB_FILE}");

    heading(
        "Product(...).save() and Product.objects.create(...)",
        "p.save(&db) / Product::objects().create(&db, p)",
    );
    let mut first = Product {
        id: 0,
        name: "Sony A7 IV".into(),
        price: 2499,
        qty: 3,
        pub_time: at(2024, 1, 10, 9),
    };
    first.save(&db)?; // INSERT, since id is 0; sets first.id
    println!("saved {:?} with id {}", first.name, first.id);
    first.price = 2299;
    first.save(&db)?; // UPDATE, since id is no longer 0
    println!("saved {:?} again with price {}", first.name, first.price);
    for (product_name, product_price, product_qty, published) in [
        ("Sony WH-1000XM5", 349, 0, at(2024, 3, 2, 14)),
        ("Kindle Paperwhite", 149, 1, at(2023, 11, 20, 8)),
        ("SONY Walkman NW-A306", 399, 2, at(2024, 2, 14, 18)),
        ("Nintendo Switch", 299, 0, at(2023, 12, 24, 20)),
    ] {
        let created = Product::objects().create(
            &db,
            Product {
                id: 0,
                name: product_name.into(),
                price: product_price,
                qty: product_qty,
                pub_time: published,
            },
        )?;
        println!("created {:?} with id {}", created.name, created.id);
    }

    step(&db, "Product.objects.all()", Product::objects())?;
    step(
        &db,
        "Product.objects.filter(qty=0)",
        Product::objects().filter(qty.eq(0)),
    )?;
    step(
        &db,
        "Product.objects.exclude(qty=0)",
        Product::objects().exclude(qty.eq(0)),
    )?;
    step(
        &db,
        "Product.objects.filter(price__lte=500)",
        Product::objects().filter(price.lte(500)),
    )?;
    step(
        &db,
        "Product.objects.filter(name__icontains='sony')",
        Product::objects().filter(name.icontains("sony")),
    )?;
    step(
        &db,
        "Product.objects.filter(qty__in=[1, 2])",
        Product::objects().filter(qty.is_in([1, 2])),
    )?;

    // contains is case-sensitive: "SONY" finds only the Walkman, "Sony" the rest.
    for needle in ["SONY", "Sony", "sony"] {
        let qs = Product::objects().filter(name.contains(needle));
        heading(
            &format!("Product.objects.filter(name__contains='{needle}').exists()"),
            &format!("Product::objects().filter(name.contains({needle:?})).exists(&db)"),
        );
        print_sql(&qs);
        println!("   (exists() runs it as SELECT 1 ... LIMIT 1)");
        println!("-> {}", qs.exists(&db)?);
    }

    step(
        &db,
        "Product.objects.order_by('-pub_time')",
        Product::objects().order_by(-pub_time),
    )?;

    // An unordered QuerySet's first() orders by the primary key, last() by
    // the primary key descending; each runs the SELECT shown with LIMIT 1.
    let qs = Product::objects().filter(price.lte(500));
    heading(
        "Product.objects.filter(price__lte=500).first()",
        "qs.first(&db), which runs qs.order_by(id).limit(1)",
    );
    print_sql(&qs.clone().order_by(id).limit(1));
    print_row("first", qs.first(&db)?.as_ref());
    heading(
        "Product.objects.filter(price__lte=500).last()",
        "qs.last(&db), which runs qs.order_by(-id).limit(1)",
    );
    print_sql(&qs.clone().order_by(-id).limit(1));
    print_row("last", qs.last(&db)?.as_ref());

    // On an ordered QuerySet, last() reverses the ordering.
    let newest = Product::objects().order_by(-pub_time);
    heading(
        "Product.objects.order_by('-pub_time').first()",
        "newest.first(&db), which runs newest.limit(1)",
    );
    print_sql(&newest.clone().limit(1));
    print_row("first", newest.first(&db)?.as_ref());
    heading(
        "Product.objects.order_by('-pub_time').last()",
        "newest.last(&db), which runs Product::objects().order_by(pub_time).limit(1)",
    );
    print_sql(&Product::objects().order_by(pub_time).limit(1));
    print_row("last", newest.last(&db)?.as_ref());

    for wanted in ["Kindle Paperwhite", "Sony Walkman"] {
        let qs = Product::objects().filter(name.eq(wanted));
        heading(
            &format!("Product.objects.get(name='{wanted}')"),
            &format!("Product::objects().filter(name.eq({wanted:?})).get(&db)"),
        );
        print_sql(&qs);
        match qs.get(&db) {
            Ok(product) => print_row("got", Some(&product)),
            Err(err @ Error::DoesNotExist { .. }) => println!("-> Product.DoesNotExist: {err}"),
            Err(err) => return Err(err),
        }
    }

    let qs = Product::objects().filter(qty.eq(0));
    heading(
        "Product.objects.filter(qty=0).update(qty=10)",
        "Product::objects().filter(qty.eq(0)).update(&db, qty.set(10))",
    );
    print_sql(&qs);
    println!("   (update() runs UPDATE \"product\" SET \"qty\" = ? with this WHERE clause)");
    let updated = qs.update(&db, qty.set(10))?;
    println!("-> {updated} {} updated", rows_word(updated));
    print_rows(&Product::objects().all(&db)?);

    let qs = Product::objects().filter(price.lt(200));
    heading(
        "Product.objects.filter(price__lt=200).delete()",
        "Product::objects().filter(price.lt(200)).delete(&db)",
    );
    print_sql(&qs);
    println!("   (delete() runs DELETE FROM \"product\" with this WHERE clause)");
    let deleted = qs.delete(&db)?;
    println!("-> {deleted} {} deleted", rows_word(deleted));
    print_rows(&Product::objects().all(&db)?);

    heading("product.delete()", "first.delete(&db)");
    println!(
        "   (runs DELETE FROM \"product\" WHERE \"id\" = ? with [{}])",
        first.id
    );
    let deleted = first.delete(&db)?;
    println!("-> {deleted} {} deleted", rows_word(deleted));
    print_rows(&Product::objects().all(&db)?);

    println!("\nThe rows are in {DB_FILE}; try `sqlite3 {DB_FILE} 'SELECT * FROM product'`.");
    Ok(())
}

/// Runs `qs.all()` and prints the step: heading, SQL with its values, rows.
fn step(db: &Db, django: &str, qs: QuerySet<Product>) -> query::Result<()> {
    heading(django, "");
    print_sql(&qs);
    print_rows(&qs.all(db)?);
    Ok(())
}

fn heading(django: &str, rust: &str) {
    println!("\n== {django}");
    if !rust.is_empty() {
        println!("   {rust}");
    }
}

fn print_sql(qs: &QuerySet<Product>) {
    let (sql, params) = qs.to_sql();
    println!("SQL:    {sql}");
    println!("params: {params:?}");
}

fn print_rows(rows: &[Product]) {
    println!(
        "{:>3}  {:<22} {:>6} {:>4}  pub_time",
        "id", "name", "price", "qty"
    );
    for p in rows {
        println!(
            "{:>3}  {:<22} {:>6} {:>4}  {}",
            p.id, p.name, p.price, p.qty, p.pub_time
        );
    }
    println!("({} {})", rows.len(), rows_word(rows.len()));
}

fn rows_word(n: usize) -> &'static str {
    if n == 1 { "row" } else { "rows" }
}

fn print_row(label: &str, row: Option<&Product>) {
    match row {
        Some(p) => println!(
            "-> {label}: #{} {:?}, price {}, qty {}, {}",
            p.id, p.name, p.price, p.qty, p.pub_time
        ),
        None => println!("-> {label}: None"),
    }
}

/// A fixed publication time, so the ordering steps print the same every run.
fn at(year: i32, month: u32, day: u32, hour: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|date| date.and_hms_opt(hour, 0, 0))
        .unwrap_or_default()
}

/// Removes `quickstart.db` (and its WAL files) left by a previous run.
fn remove_previous_run() {
    for file in [DB_FILE, "quickstart.db-wal", "quickstart.db-shm"] {
        match std::fs::remove_file(file) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                eprintln!("cannot remove {file}: {err}");
                std::process::exit(1);
            }
        }
    }
}
