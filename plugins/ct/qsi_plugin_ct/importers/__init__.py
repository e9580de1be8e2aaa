"""CT importers."""
