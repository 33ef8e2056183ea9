"""The key store's numbered migrations (`NNNN_name.sql`), applied in order by `schema_migrations`."""
