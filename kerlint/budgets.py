"""`[tool.kerlint.budgets]`: limits on a model's parameters, FLOPs and memory, checked by KER901.

```toml
[tool.kerlint.budgets]
max-params = "25M"            # parameters (an integer, or K/M/G suffixed)
max-flops = "4 GFLOPs"        # FLOPs of one forward pass at `batch-size`
max-memory = "2 GB"           # the training-peak estimate at `batch-size` (1 KB = 1024 bytes)
batch-size = 32               # for max-flops and max-memory (default 1)
dtype = "mixed_float16"       # float32 (default), float16, bfloat16, mixed_float16, mixed_bfloat16
memory = "training"           # which estimate max-memory limits: "training" (default) or "inference"
optimizer = "adam"            # for the training estimate when the file does not compile the model

[tool.kerlint.budgets.models."resnet*"]   # models whose name matches the glob
max-params = "30M"
```

A model gets the top-level settings overlaid with every `models` table whose glob
matches its name, in the order they are written (a later match wins per key).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field, replace
from typing import Any

from kerlint.memory import OPTIMIZER_NAMES, PRECISIONS

LIMIT_KEYS = ("max-params", "max-flops", "max-memory")
SETTING_KEYS = ("batch-size", "dtype", "memory", "optimizer")
MODEL_KEYS = LIMIT_KEYS + SETTING_KEYS
TOP_KEYS = MODEL_KEYS + ("models",)
MEMORY_KINDS = ("training", "inference")

_COUNT_SUFFIXES = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "b": 10**9, "t": 10**12, "p": 10**15}
_BYTE_UNITS = {"b": 1, "kb": 2**10, "mb": 2**20, "gb": 2**30, "tb": 2**40, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_NUMBER = r"([0-9][0-9_]*(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"
_COUNT = re.compile(rf"^{_NUMBER}\s*([kmgbtKMGBT]?)\s*(?:params?|parameters?)?$", re.IGNORECASE)
_FLOPS = re.compile(rf"^{_NUMBER}\s*([kmgtpKMGTP]?)\s*(?:flops?|flop)?$", re.IGNORECASE)
_BYTES = re.compile(rf"^{_NUMBER}\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)$", re.IGNORECASE)


class BudgetError(ValueError):
    """A budget value or key that cannot be used; the message names the key."""


@dataclass(frozen=True)
class Limit:
    value: int
    text: str  # as the user wrote it, for messages
    origin: str  # "max-params in pyproject.toml"


@dataclass(frozen=True)
class ModelBudget:
    """What applies to one model once the globs are resolved."""

    max_params: Limit | None = None
    max_flops: Limit | None = None
    max_memory: Limit | None = None
    batch_size: int = 1
    dtype: str = "float32"
    memory: str = "training"
    optimizer: str | None = None

    @property
    def empty(self) -> bool:
        return self.max_params is None and self.max_flops is None and self.max_memory is None


@dataclass(frozen=True)
class Budgets:
    source: str
    settings: dict[str, Any] = field(default_factory=dict)  # key -> parsed value (Limits for max-*)
    models: tuple[tuple[str, dict[str, Any]], ...] = ()

    def for_model(self, name: str) -> ModelBudget:
        merged = dict(self.settings)
        for pattern, settings in self.models:
            if fnmatch.fnmatchcase(name, pattern):
                merged.update(settings)
        budget = ModelBudget()
        return replace(budget, **{key.replace("-", "_"): value for key, value in merged.items()})


def parse_budgets(table: Any, source: str, where: str) -> Budgets:
    """Validate `[tool.kerlint.budgets]`; `where` is the section for messages (`pyproject.toml: [tool.kerlint.budgets]`)."""
    if not isinstance(table, dict):
        raise BudgetError(f"{where} must be a table, got {_type_name(table)}")
    settings = _parse_section(table, TOP_KEYS, where, f"in {source}")
    models: list[tuple[str, dict[str, Any]]] = []
    value = table.get("models", {})
    if not isinstance(value, dict):
        raise BudgetError(f"{where} 'models' must be a table of model-name glob -> table of budgets, got {_type_name(value)}")
    section = where[: -1] if where.endswith("]") else where
    for pattern, body in value.items():
        here = f'{section}.models."{pattern}"]'
        if not isinstance(body, dict):
            raise BudgetError(f"{here} must be a table of budgets, got {_type_name(body)}")
        models.append((pattern, _parse_section(body, MODEL_KEYS, here, f'for models "{pattern}" in {source}')))
    settings.pop("models", None)
    return Budgets(source, settings, tuple(models))


def _parse_section(table: dict, allowed: tuple[str, ...], where: str, origin: str) -> dict[str, Any]:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise BudgetError(f"{where} unknown key {unknown[0]!r} (allowed: {', '.join(allowed)})")
    parsed: dict[str, Any] = {}
    for key, value in table.items():
        if key == "models":
            continue
        label = f"{where} {key!r}"
        if key == "max-params":
            parsed[key] = Limit(parse_count(value, label), _text(value), f"{key} {origin}")
        elif key == "max-flops":
            parsed[key] = Limit(parse_flops(value, label), _text(value), f"{key} {origin}")
        elif key == "max-memory":
            parsed[key] = Limit(parse_bytes(value, label), _text(value), f"{key} {origin}")
        elif key == "batch-size":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise BudgetError(f"{label} must be a positive integer, got {value!r}")
            parsed[key] = value
        elif key == "dtype":
            if value not in PRECISIONS:
                raise BudgetError(f"{label} must be one of {', '.join(PRECISIONS)}, got {value!r}")
            parsed[key] = value
        elif key == "memory":
            if value not in MEMORY_KINDS:
                raise BudgetError(f"{label} must be \"training\" or \"inference\", got {value!r}")
            parsed[key] = value
        elif key == "optimizer":
            if not isinstance(value, str) or value.lower() not in OPTIMIZER_NAMES:
                raise BudgetError(f"{label} must be one of {', '.join(OPTIMIZER_NAMES)}, got {value!r}")
            parsed[key] = value.lower()
    return parsed


def parse_count(value: Any, label: str = "value") -> int:
    """``25_600_000``, ``"25.6M"``, ``"300K"``, ``"1.2B"`` (billion) -> an integer count."""
    return _parse(value, _COUNT, _COUNT_SUFFIXES, label, 'a number of parameters like 25_000_000 or "25M"')


def parse_flops(value: Any, label: str = "value") -> int:
    """``4_000_000_000``, ``"4G"``, ``"4 GFLOPs"``, ``"750 MFLOPs"`` -> FLOPs."""
    return _parse(value, _FLOPS, _COUNT_SUFFIXES, label, 'a FLOP count like 4_000_000_000 or "4 GFLOPs"')


def parse_bytes(value: Any, label: str = "value") -> int:
    """``"512 MB"``, ``"2GB"``, ``"1.5 GiB"`` or an integer number of bytes; 1 KB = 1024 bytes (as ``model.summary()``)."""
    return _parse(value, _BYTES, _BYTE_UNITS, label, 'a size like "512 MB" or "2 GB" (1 KB = 1024 bytes), or an integer number of bytes')


def _parse(value: Any, pattern: re.Pattern, units: dict[str, int], label: str, expected: str) -> int:
    if isinstance(value, bool):
        raise BudgetError(f"{label} must be {expected}, got {value!r}")
    if isinstance(value, int):
        number, scale = float(value), 1
    elif isinstance(value, float):
        number, scale = value, 1
    elif isinstance(value, str) and (match := pattern.match(value.strip())):
        number, scale = float(match.group(1).replace("_", "")), units[match.group(2).lower()]
    else:
        raise BudgetError(f"{label} must be {expected}, got {value!r}")
    result = number * scale
    if result < 0 or result != result or result == float("inf"):
        raise BudgetError(f"{label} must be {expected}, got {value!r}")
    return int(round(result))


def _text(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value).strip()


def _type_name(value: Any) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean", int: "an integer", float: "a float"}.get(
        type(value), type(value).__name__
    )
