"""The frozen ``qsi-desktop`` executable (the window). ``freeze_support`` comes first: a worker process
of a parallel import starts this executable again on Windows, and must run the worker, not the app."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.dont_write_bytecode = True  # Alembic imports the migration scripts from the bundle: no __pycache__ there
    from qsi_desktop.gui.launcher import main

    sys.exit(main())
