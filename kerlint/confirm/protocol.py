"""What the worker may say to the runner: every message checked before the runner believes it.

The worker runs the user's code, so anything it sends may be forged: a line
written on the result pipe by that code, a patched ``json.dumps``, a model that
claims minus three parameters. ``parse`` accepts a line only when it is short
enough, is one JSON object, carries the run's token, and has exactly the keys
and the types of one of the messages below (numbers finite and non-negative);
anything else raises ``Untrusted``, and the runner reports the run as one whose
report could not be trusted. Pure Python; no TensorFlow.
"""

from __future__ import annotations

import json
import math
from typing import Any, Callable

MAX_LINE = 8 << 20
"""Bytes in one message; a model of thousands of layers takes a few hundred KiB."""
MAX_TEXT = 1 << 16
"""Characters in one string of a message."""


class Untrusted(Exception):
    """A message the runner cannot believe; the text says what was wrong with it."""


Check = Callable[[Any, str], None]


def _fail(where: str, what: str) -> None:
    raise Untrusted(f"{where}: {what}")


def text(value: Any, where: str) -> None:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        _fail(where, "not a string (or longer than 64 Ki characters)")


def number(value: Any, where: str) -> None:
    """A finite, non-negative int or float (never a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        _fail(where, f"not a finite non-negative number: {value!r:.40}")


def count(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        _fail(where, f"not a non-negative integer: {value!r:.40}")


def flag(value: Any, where: str) -> None:
    if not isinstance(value, bool):
        _fail(where, "not true or false")


def line_number(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        _fail(where, f"not a line number: {value!r:.40}")


def exit_status(value: Any, where: str) -> None:
    """``sys.exit``'s argument as the worker reports it: an int, a string or None."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        text(value, where)


def optional(check: Check) -> Check:
    def optional_(value: Any, where: str) -> None:
        if value is not None:
            check(value, where)

    return optional_


def one_of(*allowed: str) -> Check:
    def one_of_(value: Any, where: str) -> None:
        if value not in allowed:
            _fail(where, f"not one of {', '.join(allowed)}")

    return one_of_


def list_of(check: Check) -> Check:
    def list_of_(value: Any, where: str) -> None:
        if not isinstance(value, list):
            _fail(where, "not a list")
        for index, item in enumerate(value):
            check(item, f"{where}[{index}]")

    return list_of_


def map_of(check: Check) -> Check:
    def map_of_(value: Any, where: str) -> None:
        if not isinstance(value, dict):
            _fail(where, "not an object")
        for key, item in value.items():
            check(item, f"{where}.{key}")

    return map_of_


def record(required: dict[str, Check], optional_keys: dict[str, Check] | None = None) -> Check:
    """An object with exactly these keys (``optional_keys`` may be absent)."""
    optional_keys = optional_keys or {}

    def record_(value: Any, where: str) -> None:
        if not isinstance(value, dict):
            _fail(where, "not an object")
        missing = required.keys() - value.keys()
        unknown = value.keys() - required.keys() - optional_keys.keys()
        if missing or unknown:
            _fail(where, f"keys {sorted(missing)} missing, {sorted(unknown)} unexpected")
        for key, item in value.items():
            (required.get(key) or optional_keys[key])(item, f"{where}.{key}")

    return record_


DEVICE = one_of("cpu", "gpu")
FIGURES = map_of(optional(number))  # {"inference": bytes, "training": bytes, ...}

LAYER = record({
    "name": text, "class": text, "params": optional(count), "trainable_params": optional(count),
    "non_trainable_params": optional(count), "output_shape": text, "flops": optional(number),
    "flops_note": optional(text),
})
MEMORY = record({"measured": optional(record({"source": text, "inference": optional(number),
                                                "training": optional(number)}))},
                {"process": record({"source": text}, {"inference": optional(number), "training": optional(number)}),
                 "analytic": FIGURES})
MEASURED = record({
    "params": count, "trainable_params": count, "batch_size": count, "device": DEVICE, "flops": optional(number),
    "unattributed_flops": optional(number), "memory": optional(MEMORY), "wall_time_ms": optional(number),
    "layers": list_of(LAYER), "errors": map_of(text),
})
EVENT = record({"kind": one_of("stand-in", "refused", "sandbox"), "what": text, "line": optional(line_number), "count": count})
ERROR = record({"line": optional(line_number), "type": text, "message": text, "where": text})
STOPPED = record({"reason": one_of("time", "exit"), "line": optional(line_number), "where": text},
                 {"status": exit_status, "seconds": number})
CAPTURED = record({"order": count, "name": optional(text), "class": text, "line": optional(line_number),
                   "function": optional(text), "entry": optional(text), "built": flag})

MESSAGES: dict[str, Check] = {
    "progress": record({"step": text}),
    "missing": record({"message": text}),
    "error": record({"message": text}),
    "executed": record({"device": record({"kind": DEVICE, "name": text}), "errors": list_of(ERROR),
                        "stopped": optional(STOPPED), "events": list_of(EVENT), "captured": list_of(CAPTURED)}),
    "model": record({"order": count}, {"measured": MEASURED, "error": text}),
    "done": record({}),
}


def parse(line: bytes, token: str) -> dict:
    """The message on ``line`` (without "event" and "token"), its kind under "event"; Untrusted if it is not one."""
    if len(line) > MAX_LINE:
        raise Untrusted(f"a message of more than {MAX_LINE >> 20} MiB")
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):
        raise Untrusted("a line that is not JSON") from None
    if not isinstance(message, dict):
        raise Untrusted("a message that is not a JSON object")
    if message.pop("token", None) != token:
        raise Untrusted("a message without the run's token (not written by kerlint's worker)")
    event = message.pop("event", None)
    check = MESSAGES.get(event) if isinstance(event, str) else None
    if check is None:
        raise Untrusted(f"an unknown message {event!r:.40}")
    check(message, event)
    if event == "model" and ("measured" in message) == ("error" in message):
        raise Untrusted("model: neither or both of measured and error")
    message["event"] = event
    return message
