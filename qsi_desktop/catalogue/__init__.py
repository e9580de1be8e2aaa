"""The standards catalogue: quality statements as versioned data files and their loader."""

from qsi_desktop.catalogue.loader import CatalogueError, load_framework_file
from qsi_desktop.catalogue.model import Catalogue, Framework, Item, Section, Statement

__all__ = [
    "Catalogue",
    "CatalogueError",
    "Framework",
    "Item",
    "Section",
    "Statement",
    "load_framework_file",
]
