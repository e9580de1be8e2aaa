"""Errors a user can act on. Their message is one line saying what is wrong and where."""

from qsi_desktop.store.workspace import WorkspaceError


class UserError(Exception):
    """Bad input or a state the user can fix; nothing was changed when this is raised."""


# What a window shows as a message (not a crash): bad input, and a workspace that cannot be
# written (read-only, busy, damaged, changed by someone else meanwhile).
ACTIONABLE_ERRORS = (UserError, WorkspaceError)
