"""The allocation events of a TensorFlow profiler trace, read without TensorFlow.

confirm's memory figure is the most bytes live tensors requested at once
(``measure.traced``): TensorFlow's BFC allocator records every allocation and
deallocation in the trace as a ``MemoryAllocation`` or ``MemoryDeallocation``
event whose statistics name the allocator, the address and the bytes
requested. The trace is an ``XSpace`` protocol buffer
(``tsl/profiler/protobuf/xplane.proto``); the few fields read here are decoded
straight from the wire format, so that only the worker imports TensorFlow.
"""

from __future__ import annotations

from typing import Any, Iterator, NamedTuple

SIGNS = {"MemoryAllocation": 1, "MemoryDeallocation": -1}

# Field numbers of xplane.proto.
_SPACE_PLANES = 1
_PLANE_LINES, _PLANE_EVENT_METADATA, _PLANE_STAT_METADATA = 3, 4, 5
_LINE_TIMESTAMP_NS, _LINE_EVENTS = 3, 4
_EVENT_METADATA_ID, _EVENT_OFFSET_PS, _EVENT_STATS = 1, 2, 4
_STAT_METADATA_ID, _STAT_UINT64, _STAT_INT64, _STAT_STR, _STAT_REF = 1, 3, 4, 5, 7
_METADATA_NAME = 2  # in XEventMetadata and XStatMetadata
_MAP_KEY, _MAP_VALUE = 1, 2


class Allocation(NamedTuple):
    """One allocator event: +1 an allocation, -1 a deallocation, at ``time_ps`` from the trace's clock."""

    time_ps: int
    sign: int
    allocator: str | None
    address: int | None
    requested_bytes: int


def allocation_events(data: bytes) -> list[Allocation]:
    """Every ``MemoryAllocation``/``MemoryDeallocation`` event of a serialized ``XSpace``, in time order."""
    events: list[Allocation] = []
    for number, plane in _fields(memoryview(data)):
        if number == _SPACE_PLANES:
            events += _plane_events(plane)
    events.sort(key=lambda event: event.time_ps)
    return events


def _plane_events(plane: memoryview) -> list[Allocation]:
    lines, kinds, names = [], {}, {}
    for number, value in _fields(plane):
        if number == _PLANE_LINES:
            lines.append(value)
        elif number in (_PLANE_EVENT_METADATA, _PLANE_STAT_METADATA):
            entry = dict(_fields(value))
            metadata = dict(_fields(entry.get(_MAP_VALUE, b"")))
            name = _text(metadata.get(_METADATA_NAME, b""))
            (kinds if number == _PLANE_EVENT_METADATA else names)[entry.get(_MAP_KEY, 0)] = name
    signs = {key: SIGNS[name] for key, name in kinds.items() if name in SIGNS}
    events = []
    for line in lines if signs else ():
        start, found = 0, []
        for number, value in _fields(line):
            if number == _LINE_TIMESTAMP_NS:
                start = value
            elif number == _LINE_EVENTS:
                found.append(value)
        for event in found:
            allocation = _allocation(event, signs, names, start * 1000)
            if allocation is not None:
                events.append(allocation)
    return events


def _allocation(event: memoryview, signs: dict[int, int], names: dict[int, str], start_ps: int) -> Allocation | None:
    sign, offset, stats = None, 0, {}
    for number, value in _fields(event):
        if number == _EVENT_METADATA_ID:
            sign = signs.get(value)
            if sign is None:
                return None  # not an allocator event: its other fields are not needed
        elif number == _EVENT_OFFSET_PS:
            offset = value
        elif number == _EVENT_STATS:
            stat = dict(_fields(value))
            stats[names.get(stat.get(_STAT_METADATA_ID, 0))] = _stat_value(stat, names)
    if sign is None:
        return None
    requested = stats.get("requested_bytes")
    return Allocation(start_ps + offset, sign, stats.get("allocator_name"), stats.get("addr"),
                      requested if isinstance(requested, int) else 0)


def _stat_value(stat: dict, names: dict[int, str]) -> Any:
    if _STAT_REF in stat:
        return names.get(stat[_STAT_REF])
    if _STAT_STR in stat:
        return _text(stat[_STAT_STR])
    return stat.get(_STAT_INT64, stat.get(_STAT_UINT64))


def _text(value: Any) -> str:
    return bytes(value).decode("utf-8", "replace")


def _fields(data: memoryview | bytes) -> Iterator[tuple[int, Any]]:
    """(field number, value) of one message: an int for a varint, the bytes (a view) for anything else."""
    position, end = 0, len(data)
    while position < end:
        key, position = _varint(data, position)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, position = _varint(data, position)
        elif wire == 2:
            size, position = _varint(data, position)
            value, position = data[position:position + size], position + size
        elif wire in (1, 5):  # fixed64 (a double), fixed32
            width = 8 if wire == 1 else 4
            value, position = data[position:position + width], position + width
        else:
            raise ValueError(f"not a profiler trace: wire type {wire} at byte {position}")
        yield number, value


def _varint(data: memoryview | bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, position
        shift += 7
