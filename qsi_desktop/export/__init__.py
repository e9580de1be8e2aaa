"""The Word submission pack, its evidence bundle and the export's checks (Qt-free)."""
