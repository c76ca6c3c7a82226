"""Personal data on screens: caller numbers shown masked (Django-free)."""

from __future__ import annotations

MASK = "•"


def mask_number(number: str, visible: int) -> str:
    """A phone number with all but its last `visible` digits masked, its length kept
    ("01632960123", 4 -> "•••••••0123"). visible < 0 shows it whole; 0 hides every digit.
    Characters that are not digits (+, spaces, dashes) are kept where they stand."""
    if visible < 0 or not number:
        return number
    digits = sum(ch.isdigit() for ch in number)
    hide = max(digits - visible, 0)
    out = []
    for ch in number:
        if ch.isdigit() and hide:
            out.append(MASK)
            hide -= 1
        else:
            out.append(ch)
    return "".join(out)
