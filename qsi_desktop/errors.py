"""The one base class of every error a user can act on.

Everything the user can fix or must know about (bad input, a workspace that cannot be used, a
broken catalogue file, a plugin that failed while running) derives from :class:`QsiError`, whose
message is one line saying what happened and where. The command line, the GUI workers and the
export catch this class once; anything else is a bug and goes to the log with its traceback.
"""


class QsiError(Exception):
    """An error the user can act on; its message names what failed and, where it can, what to do."""
