"""SQLite storage: schema and migrations, sealed records with versions, the audit chain."""
