"""Errors a user can act on. Their message is one line saying what is wrong and where."""

from qsi_desktop.errors import QsiError


class UserError(QsiError):
    """Bad input or a state the user can fix; nothing was changed when this is raised."""


class ChangedElsewhere(UserError):
    """The row was saved by someone else after the user read it (its version moved on); nothing was
    saved. ``theirs`` is the stored record now, for a window to show beside what the user had."""

    def __init__(self, message: str, theirs: object = None) -> None:
        super().__init__(message)
        self.theirs = theirs


# What a window shows as a message (not a crash): every QsiError (bad input, a workspace that
# cannot be written, a plugin that failed while running, a broken catalogue file).
ACTIONABLE_ERRORS = (QsiError,)
