"""How numbers and shapes read in messages and reports."""

from __future__ import annotations

from typing import Any


def human_count(n: int | float) -> str:
    """``1234`` -> ``1,234``; ``6_300_000`` -> ``6.3M``; ``7_700_000_000`` -> ``7.7G``."""
    for limit, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M")):
        if abs(n) >= limit:
            return f"{n / limit:.1f}{suffix}"
    return f"{int(n):,}"


def shape_str(shape: Any) -> str:
    """``(None, 10)`` the way Keras prints shapes; lists of shapes are joined."""
    if shape is None:
        return "(?)"
    if isinstance(shape, list):
        return "[" + ", ".join(shape_str(s) for s in shape) + "]"
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"
