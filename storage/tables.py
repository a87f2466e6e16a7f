"""Every table module, imported so that the metadata (and Alembic) sees all tables."""

from storage import models  # noqa: F401
