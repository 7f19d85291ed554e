//! A small shop whose schema is managed with migrations, as a Django project's is.
//!
//! ```text
//! cargo run --example manage -- migrate            # create the tables
//! cargo run --example manage -- shop               # add a product, list them all
//! # edit `Product` below (uncomment `rating`), then:
//! cargo run --example manage -- makemigrations     # writes examples/migrations/0002_product_rating.sql
//! cargo run --example manage -- migrate            # applies it
//! cargo run --example manage -- shop               # the products are still there, with a rating
//! cargo run --example manage -- showmigrations
//! cargo run --example manage -- sqlmigrate 0002
//! cargo run --example manage -- --help
//! ```
//!
//! The database is `target/shop.sqlite3` (or `--database PATH`, or
//! `$QUERY_DATABASE`); the migrations live in `examples/migrations/`.

use query::migrations::Migrations;
use query::prelude::*;

#[derive(Model, Debug, Clone, PartialEq, Default)]
pub struct Customer {
    pub id: i64,
    #[field(max_length = 100)]
    pub name: String,
    #[field(email, unique)]
    pub email: String,
}

#[derive(Model, Debug, Clone, PartialEq, Default)]
pub struct Product {
    pub id: i64,
    #[field(max_length = 50, db_index)]
    pub name: String,
    pub price: i64,
    #[field(default = true)]
    pub enabled: bool,
    pub description: Option<String>,
    // Uncomment, then run `makemigrations` and `migrate`:
    // #[field(default = 0.0)]
    // pub rating: f64,
}

const DATABASE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/target/shop.sqlite3");
const MIGRATIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/migrations");

/// `shop`: applies pending migrations, adds a product, lists every product.
fn shop() -> query::Result<()> {
    let db = Db::open(std::env::var("QUERY_DATABASE").unwrap_or_else(|_| DATABASE.to_owned()))?;
    // A deployed program embeds its migrations instead:
    // `static MIGRATIONS: Migrations = query::embed_migrations!("examples/migrations");`
    db.migrate(&Migrations::from_dir(MIGRATIONS)?)?;
    let n = Product::objects().count(&db)?;
    Product::objects().create(
        &db,
        Product {
            name: format!("Product #{}", n + 1),
            price: 100 * (n as i64 + 1),
            enabled: true,
            ..Default::default()
        },
    )?;
    for p in Product::objects().order_by(product::id.asc()).all(&db)? {
        println!("{p:?}");
    }
    Ok(())
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("shop") {
        if let Err(e) = shop() {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    }
    query::manage::Manage::new()
        .database(DATABASE)
        .migrations(MIGRATIONS)
        .main()
}
