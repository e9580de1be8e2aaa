"""Nuclear medicine importers."""
