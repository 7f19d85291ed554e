-- query migration 0001_initial
--
-- Operations:
--   CreateTable customer (id, name, email, active, notes)
--
-- `migrate` runs the statements below in one transaction, with foreign keys
-- off and `PRAGMA foreign_key_check` before COMMIT, recreates the triggers a
-- table rebuild drops, and records the migration with a checksum of this
-- file. Review and edit the statements before the migration is applied
-- anywhere, never after.

CREATE TABLE "customer" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL CHECK (length("name") <= 100),
    "email" TEXT NOT NULL UNIQUE CHECK (length("email") <= 254),
    "active" INTEGER NOT NULL DEFAULT 1 CHECK ("active" IN (0, 1)),
    "notes" TEXT
) STRICT;

-- State after this migration, read by `makemigrations` (do not edit):
-- @table "customer"
-- @column "id" INTEGER not_null primary_key auto
-- @column "name" TEXT not_null max_length=100
-- @column "email" TEXT not_null unique max_length=254
-- @column "active" INTEGER not_null boolean default=1
-- @column "notes" TEXT
