"""How numbers and shapes read in messages and reports."""

from __future__ import annotations

import math
from typing import Any

LARGEST_PLAIN = 10**15
"""From here on counts read in scientific notation (``2.0e+21``): 1,000T of anything is no longer a quantity
one compares digit by digit, and the exact int of an absurd model may not even convert to a float."""


def human_count(n: int | float) -> str:
    """``1234`` -> ``1,234``; ``6_300_000`` -> ``6.3M``; ``7_700_000_000`` -> ``7.7G``; ``2 * 10**21`` -> ``2.0e+21``."""
    if abs(n) >= LARGEST_PLAIN:
        return scientific(n)
    for limit, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M")):
        if abs(n) >= limit:
            return f"{n / limit:.1f}{suffix}"
    return f"{int(n):,}"


def exact_count(n: int) -> str:
    """``1,234,567`` as ``model.summary()`` writes parameter counts; beyond LARGEST_PLAIN, `scientific`."""
    return f"{n:,}" if abs(n) < LARGEST_PLAIN else scientific(n)


def scientific(n: int | float) -> str:
    """``2.0e+21``, for any int however large: no float conversion and no decimal string of `n`."""
    if isinstance(n, float) or abs(n) < 10**300:
        return f"{n:.1e}"
    log = math.log10(abs(n))  # exact enough for one decimal, for ints of any size
    exponent = math.floor(log)
    mantissa = round(10 ** (log - exponent), 1)
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{'-' if n < 0 else ''}{mantissa:.1f}e+{exponent}"


def shape_str(shape: Any) -> str:
    """``(None, 10)`` the way Keras prints shapes; lists of shapes are joined."""
    if shape is None:
        return "(?)"
    if isinstance(shape, list):
        return "[" + ", ".join(shape_str(s) for s in shape) + "]"
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"
