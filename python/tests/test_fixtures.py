"""Files written by other tools (the shared fixtures): the client gives what safetensors.safe_open gives on the
original file (here: the pure-numpy reference reader), and np.load for .npy files."""
from __future__ import annotations

from pathlib import Path
from typing import Dict

import numpy as np
import pytest

import ipfrs
from conftest import ABUSE, FIXTURES, fixture_files, random_index
from reference import ReferenceFile, same

FILES = fixture_files()


def test_the_fixtures_are_there() -> None:
    assert len(FILES) >= 10, f"expected the shared fixtures in {FIXTURES}"


@pytest.fixture(scope="session")
def stored(admin: ipfrs.Client) -> Dict[Path, str]:
    return {path: admin.add(path).cid for path in FILES}


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_as_safe_open_on_the_original(client: ipfrs.Client, stored: Dict[Path, str], path: Path, rng) -> None:
    want = ReferenceFile(str(path))
    with client.open(stored[path]) as got:
        assert got.keys() == want.keys()
        assert got.metadata() == want.metadata()
        for name in want.keys():
            whole = want.get_tensor(name)
            assert same(got.get_tensor(name), whole), name
            if path.suffix == ".npy":
                assert same(got.get_tensor(), np.load(path))
            piece = got.get_slice(name)
            assert piece.get_shape() == list(whole.shape)
            for _ in range(25):
                index = random_index(rng, whole.shape)
                assert same(piece[index], want.get_slice(name)[index]), f"{name}[{index!r}]"


def test_the_abuse_file_is_refused_with_the_reason(admin: ipfrs.Client) -> None:
    with pytest.raises(ipfrs.InvalidFileError) as caught:
        admin.add(ABUSE)
    assert "header" in str(caught.value).lower()


def test_an_npz_archive_is_refused(admin: ipfrs.Client) -> None:
    with pytest.raises(ipfrs.InvalidFileError):
        admin.add(FIXTURES / "candle" / "test.npz")


def test_names_that_need_escaping(admin: ipfrs.Client, client: ipfrs.Client, tmp_path: Path) -> None:
    import numpy as np

    from reference import write_safetensors

    names = ["a/b c", "q?x=1&y#z", "100%", "ünïcødé.权重", "..", " lead", "tab\tname", "semi;colon", "x" * 300]
    tensors = {n: ("F32", [3, 70], np.arange(210, dtype="<f4").tobytes()) for n in names}
    path = tmp_path / "odd names.safetensors"
    write_safetensors(str(path), tensors, metadata={"ключ": "значение"})
    want = ReferenceFile(str(path))
    with client.open(admin.add(path).cid) as f:
        assert f.keys() == want.keys() and f.metadata() == {"ключ": "значение"}
        for name in names:
            if name in ("..", "tab\tname") and client.inline_limit == 0:
                # The download route cannot link such names; with every answer forced to a link, the server's
                # refusal (which says to raise the inline limit) is the answer.
                with pytest.raises(ipfrs.InvalidArgumentError, match="raise inlineLimit"):
                    f.get_tensor(name)
                continue
            assert same(f.get_tensor(name), want.get_tensor(name)), name
            assert same(f.get_slice(name)[1], want.get_slice(name)[1]), name
            assert same(f.get_slice(name)[:, ::-7], want.get_slice(name)[:, ::-7]), name
