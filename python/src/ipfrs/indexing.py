"""numpy basic indexing, resolved against a shape: the spec the server parses, the result's shape, and whether
the result is one contiguous run of the tensor's C-order bytes (then it is a single Range of the tensor link)."""
from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple

from .errors import InvalidSliceError

Index = Any  # int | slice | Ellipsis | None | a tuple of them


@dataclass(frozen=True)
class Resolved:
    spec: str
    """The index as the server's slice spec (numpy.newaxis left out: it only reshapes)."""
    shape: Tuple[int, ...]
    """The result's shape, as numpy gives it (newaxis included)."""
    axes: Tuple[Tuple[int, int, int], ...]
    """(start, count, step) per axis of the tensor; an integer index has count 1."""

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n


def _as_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise InvalidSliceError(f"{what}: booleans are not basic indexing (numpy would read a mask)")
    try:
        return operator.index(value)
    except TypeError:
        raise InvalidSliceError(
            f"{what}: only integers, slices (`:`), ellipsis (`...`) and numpy.newaxis (`None`) are valid indices, "
            f"not {type(value).__name__}") from None


def resolve(index: Index, shape: Sequence[int]) -> Resolved:
    """Checks `index` as numpy would for an array of `shape`; raises InvalidSliceError (an IndexError)."""
    items = index if isinstance(index, tuple) else (index,)
    ndim = len(shape)
    real = 0
    ellipses = 0
    for item in items:
        if item is Ellipsis:
            ellipses += 1
        elif item is not None:
            real += 1
    if ellipses > 1:
        raise InvalidSliceError("an index can only have a single ellipsis ('...')")
    if real > ndim:
        raise InvalidSliceError(f"too many indices for array: array is {ndim}-dimensional, but {real} were indexed")

    spec: List[str] = []
    out_shape: List[int] = []
    axes: List[Tuple[int, int, int]] = []
    axis = 0

    def full(n: int) -> None:
        nonlocal axis
        for _ in range(n):
            dim = shape[axis]
            axes.append((0, dim, 1))
            out_shape.append(dim)
            axis += 1

    for item in items:
        if item is Ellipsis:
            spec.append("...")
            full(ndim - real)
        elif item is None:
            out_shape.append(1)
        elif isinstance(item, slice):
            start = None if item.start is None else _as_int(item.start, "slice start")
            stop = None if item.stop is None else _as_int(item.stop, "slice stop")
            step = None if item.step is None else _as_int(item.step, "slice step")
            if step == 0:
                raise InvalidSliceError("slice step cannot be zero")
            dim = shape[axis]
            first, last, stride = slice(start, stop, step).indices(dim)
            count = len(range(first, last, stride))
            axes.append((first, count, stride))
            out_shape.append(count)
            text = ("" if start is None else str(start)) + ":" + ("" if stop is None else str(stop))
            spec.append(text if step is None else f"{text}:{step}")
            axis += 1
        else:
            value = _as_int(item, f"index {item!r}")
            dim = shape[axis]
            if not -dim <= value < dim:
                raise InvalidSliceError(f"index {value} is out of bounds for axis {axis} with size {dim}")
            axes.append((value % dim, 1, 1))
            spec.append(str(value))
            axis += 1
    if ellipses == 0:
        full(ndim - axis)
    return Resolved(spec=", ".join(spec), shape=tuple(out_shape), axes=tuple(axes))


def contiguous_range(resolved: Resolved, shape: Sequence[int], itemsize: int) -> Optional[Tuple[int, int]]:
    """(byte offset, byte length) of the result in the C-order bytes of the tensor, when it is one run; else None."""
    axes = resolved.axes
    strides = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        strides[i] = strides[i + 1] * shape[i + 1]
    # The last axis that does not take the whole dimension in order: before it every axis takes one element,
    # at it the run is in order; after it every axis is whole.
    j = len(axes) - 1
    while j >= 0:
        start, count, step = axes[j]
        if not (start == 0 and count == shape[j] and (step == 1 or count <= 1)):
            break
        j -= 1
    if j >= 0:
        if axes[j][2] != 1 and axes[j][1] > 1:
            return None
        if any(count != 1 for _, count, _ in axes[:j]):
            return None
    offset = sum(start * stride for (start, _, _), stride in zip(axes, strides))
    length = 1
    for _, count, _ in axes:
        length *= count
    return offset * itemsize, length * itemsize
