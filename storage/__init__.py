"""The bot's store: SQLModel tables, engines for SQLite and PostgreSQL, and repositories."""
