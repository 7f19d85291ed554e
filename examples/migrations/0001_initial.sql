-- query migration 0001_initial
--
-- Operations:
--   CreateTable customer (id, name, email)
--   CreateTable product (id, name, price, enabled, description)
--   CreateIndex product_name_idx ON product (name)
--
-- `migrate` runs the statements below in one transaction, with foreign keys
-- off and `PRAGMA foreign_key_check` before COMMIT, recreates the triggers a
-- table rebuild drops, and records the migration with a checksum of this
-- file. Review and edit the statements before the migration is applied
-- anywhere, never after.

CREATE TABLE "customer" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL CHECK (length("name") <= 100),
    "email" TEXT NOT NULL UNIQUE CHECK (length("email") <= 254)
) STRICT;
CREATE TABLE "product" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL CHECK (length("name") <= 50),
    "price" INTEGER NOT NULL,
    "enabled" INTEGER NOT NULL DEFAULT 1 CHECK ("enabled" IN (0, 1)),
    "description" TEXT
) STRICT;
CREATE INDEX "product_name_idx" ON "product" ("name");

-- State after this migration, read by `makemigrations` (do not edit):
-- @table "customer"
-- @column "id" INTEGER not_null primary_key auto
-- @column "name" TEXT not_null max_length=100
-- @column "email" TEXT not_null unique max_length=254
-- @table "product"
-- @column "id" INTEGER not_null primary_key auto
-- @column "name" TEXT not_null max_length=50
-- @column "price" INTEGER not_null
-- @column "enabled" INTEGER not_null boolean default=1
-- @column "description" TEXT
-- @index "product_name_idx" "name"
