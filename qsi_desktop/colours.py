"""The NHS identity colours and the status colours, shared by the window and the pack's charts (Qt-free)."""

NHS_BLUE = "#005eb8"
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#e8edee"
NHS_RED = "#d5281b"
NHS_GREEN = "#007f3b"
NHS_ORANGE = "#ed8b00"
TEXT = "#212b32"  # NHS text black
TEXT_MUTED = "#4c6272"  # 6.4:1 on white
TEXT_OVERDUE = "#b3261e"  # darker than NHS red so body text keeps 4.5:1

# status -> (badge background, badge text colour)
STATUS_BADGE: dict[str, tuple[str, str]] = {
    "met": (NHS_GREEN, "#ffffff"),
    "partially_met": (NHS_ORANGE, TEXT),
    "not_met": (NHS_RED, "#ffffff"),
    "in_progress": (NHS_BLUE, "#ffffff"),
    "not_started": (TEXT_MUTED, "#ffffff"),
    "not_applicable": ("#aeb7bd", TEXT),
}
