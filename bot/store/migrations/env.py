"""Alembic's environment: migrations run on the connection bot.store.db.migrate hands over (in its
transaction, under its lock), for SQLite and PostgreSQL alike."""
from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
