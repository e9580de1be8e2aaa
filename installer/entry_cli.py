"""The frozen ``qsi`` executable (the command line), in the same folder as ``qsi-desktop``."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.dont_write_bytecode = True  # Alembic imports the migration scripts from the bundle: no __pycache__ there
    from qsi_desktop.cli import main

    sys.exit(main())
