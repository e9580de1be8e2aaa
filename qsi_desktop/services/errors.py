"""Errors a user can act on. Their message is one line saying what is wrong and where."""

from qsi_desktop.errors import QsiError


class UserError(QsiError):
    """Bad input or a state the user can fix; nothing was changed when this is raised."""


# What a window shows as a message (not a crash): every QsiError (bad input, a workspace that
# cannot be written, a plugin that failed while running, a broken catalogue file).
ACTIONABLE_ERRORS = (QsiError,)
