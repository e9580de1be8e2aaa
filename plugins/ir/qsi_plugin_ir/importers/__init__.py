"""IR importers."""
