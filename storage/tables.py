"""Every table module, imported so that the metadata (and Alembic) sees all tables."""

from storage import (  # noqa: F401
    models,
    moderation_tables,
    programme_tables,
    questions_tables,
)
