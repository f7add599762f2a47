"""Alembic migrations; run them with storage.engine.upgrade()."""
