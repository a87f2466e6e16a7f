"""Every table module, imported so that the metadata (and Alembic) sees all tables."""

import storage.moderation_tables
import storage.programme_tables
import storage.questions_tables  # noqa: F401
from storage import models  # noqa: F401
