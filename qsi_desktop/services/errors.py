"""Errors a user can act on. Their message is one line saying what is wrong and where."""


class UserError(Exception):
    """Bad input or a state the user can fix; nothing was changed when this is raised."""
