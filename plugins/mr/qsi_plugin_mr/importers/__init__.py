"""MR importers."""
