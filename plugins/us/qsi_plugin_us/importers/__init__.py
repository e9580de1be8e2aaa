"""Ultrasound importers."""
