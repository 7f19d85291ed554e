//! Migrations: schema state from the models, `makemigrations`, `migrate`,
//! `showmigrations`, `sqlmigrate` and `inspectdb`.
