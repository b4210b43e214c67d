"""The client's resolution of numpy basic indexing, against numpy itself (no server)."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import random_index
from ipfrs.indexing import contiguous_range, resolve
from ipfrs.errors import InvalidSliceError

SHAPES = [(), (1,), (9,), (4, 5), (3, 1, 4), (2, 3, 4, 5), (0, 3), (6, 0, 2)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_shapes_and_runs_match_numpy(shape, rng) -> None:
    a = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
    raw = a.tobytes()
    for _ in range(400):
        index = random_index(rng, shape)
        r = resolve(index, shape)
        want = a[index]
        assert r.shape == np.shape(want), index
        run = contiguous_range(r, shape, 4)
        if run is not None and r.size:
            offset, length = run
            assert raw[offset:offset + length] == np.ascontiguousarray(want).tobytes(), index


def test_common_reads_are_single_runs() -> None:
    shape = (64, 32, 16)
    for index in [(), (...,), 3, (3, 4), (3, slice(2, 9)), slice(5, 9), (-1, -1, slice(None, None, 1)),
                  (3, slice(None), slice(None)), (slice(2, 3), 4, slice(0, 16))]:
        assert contiguous_range(resolve(index, shape), shape, 4) is not None, index
    for index in [(slice(None), 3), (slice(None, None, 2),), (3, slice(None, None, -1)), (..., 0)]:
        assert contiguous_range(resolve(index, shape), shape, 4) is None, index


def test_numpy_errors() -> None:
    for index, message in [((0, 0, 0), "too many"), (9, "out of bounds"), ((..., ...), "single ellipsis"),
                           (slice(None, None, 0), "zero"), (np.array([1]), "only integers"), (np.bool_(True), "booleans")]:
        with pytest.raises(InvalidSliceError, match=message):
            resolve(index, (9, 2))
    assert resolve(np.int64(-1), (9,)).axes == ((8, 1, 1),)
