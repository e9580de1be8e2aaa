"""Workspace storage: SQLAlchemy models, Alembic migrations, the evidence file store and the audit log."""
