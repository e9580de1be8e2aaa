"""The Qt shell of QSI Desktop: the only package that imports PySide6.

Everything here is a view on the Qt-free services in :mod:`qsi_desktop.services`: the windows read
through them and write through them, and long work (imports, verification, building a workspace)
runs on :mod:`qsi_desktop.gui.workers` so the window keeps painting.

Modules:

- :mod:`~qsi_desktop.gui.launcher`: the ``qsi-desktop`` command: chooses the workspace, opens the window.
- :mod:`~qsi_desktop.gui.main_window`: the main window, its menus and the long-running commands.
- :mod:`~qsi_desktop.gui.statement_model`: the tree of sections and statements with their status.
- :mod:`~qsi_desktop.gui.statement_view`: the selected statement: its text, the assessment form,
  its evidence and actions.
- :mod:`~qsi_desktop.gui.evidence_view`: the statement's evidence and actions tables.
- :mod:`~qsi_desktop.gui.readiness_bar`: the readiness summary across the top.
- :mod:`~qsi_desktop.gui.dialogs`: small dialogs (new workspace, evidence, action, import).
- :mod:`~qsi_desktop.gui.context`: what the views and plugin panels share (app, workspace, actor).
- :mod:`~qsi_desktop.gui.workers`: ``work(progress, cancel)`` functions on ``QThreadPool``.
- :mod:`~qsi_desktop.gui.panels`: modality panels contributed by plugins' GUI modules.
- :mod:`~qsi_desktop.gui.widgets`, :mod:`~qsi_desktop.gui.style`: a date-or-none edit, inline
  messages, NHS palette colours and status badges.

This ``__init__`` imports nothing, and the launcher imports Qt inside ``main()`` only, so
``qsi_desktop.gui.launcher``'s path rules (and plugins' ``gui`` modules) load without PySide6.
"""
