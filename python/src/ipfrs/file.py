"""safetensors' `safe_open` surface over a stored file: keys(), metadata(), get_tensor(), get_slice()."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

import numpy as np

from .dtypes import DECODED, decode
from .errors import NotFoundError
from .indexing import Index
from .models import FileInfo, TensorInfo

if TYPE_CHECKING:
    from .client import Client

FRAMEWORKS = {"np": "np", "numpy": "np", "pt": "pt", "torch": "pt", "pytorch": "pt"}


def check_framework(framework: str) -> str:
    try:
        kind = FRAMEWORKS[framework]
    except KeyError:
        raise ValueError(f"framework must be 'np' (numpy) or 'pt' (torch), not {framework!r}") from None
    if kind == "pt":
        try:
            import torch  # noqa: F401
        except ImportError:
            raise ImportError("framework='pt' needs PyTorch, which is not installed here (pip install torch); "
                              "framework='np' gives numpy arrays") from None
    return kind


def _to_torch(array: np.ndarray, dtype: str, raw: bool) -> Any:
    import torch

    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    if not raw and dtype in DECODED:
        # torch holds these natively, as safetensors returns them: reinterpret the bits.
        native = {"BF16": "bfloat16", "F8_E5M2": "float8_e5m2", "F8_E4M3": "float8_e4m3fn"}[dtype]
        torch_dtype = getattr(torch, native, None)
        if torch_dtype is not None:
            signed = array.view(np.int16 if dtype == "BF16" else np.int8)
            return torch.from_numpy(np.ascontiguousarray(signed)).view(torch_dtype)
        array = decode(array, dtype)
    if array.dtype == np.uint16 or array.dtype == np.uint32 or array.dtype == np.uint64:
        # Older torch lacks unsigned types wider than 8 bits: keep the bits in the signed type of the same width.
        unsigned = getattr(torch, {2: "uint16", 4: "uint32", 8: "uint64"}[array.dtype.itemsize], None)
        if unsigned is None:
            array = array.view(array.dtype.str.replace("u", "i"))
    return torch.from_numpy(np.ascontiguousarray(array))


class TensorSlice:
    """One tensor, read lazily: `get_shape()`, `get_dtype()` and numpy basic indexing (`[0:10, ::-2, 3]`,
    negative indices, any step, `...`, `None`), sliced on the server. BF16 and F8 elements come back as float32
    unless the slice was made with raw=True (then as the bits: uint16 / uint8)."""

    def __init__(self, client: "Client", info: TensorInfo, framework: str = "np", raw: bool = False) -> None:
        self._client = client
        self.info = info
        self._framework = framework
        self._raw = raw

    def get_shape(self) -> List[int]:
        return list(self.info.shape)

    def get_dtype(self) -> str:
        """safetensors' spelling: "F32", "BF16", "I64", "BOOL"..."""
        return self.info.dtype

    @property
    def shape(self) -> tuple:
        return self.info.shape

    @property
    def ndim(self) -> int:
        return len(self.info.shape)

    def __len__(self) -> int:
        if not self.info.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.info.shape[0]

    def __getitem__(self, index: Index) -> Any:
        array = self._client.read(self.info, index)
        return finish(array, self.info.dtype, self._raw, self._framework)

    def __repr__(self) -> str:
        return f"<ipfrs.TensorSlice {self.info.name!r} {self.info.dtype}{list(self.info.shape)} of {self.info.cid}>"


def finish(array: np.ndarray, dtype: str, raw: bool, framework: str) -> Any:
    if framework == "pt":
        return _to_torch(array, dtype, raw)
    if not raw and dtype in DECODED:
        return decode(array, dtype)
    return array


class RemoteFile:
    """A stored file, opened: what `safetensors.safe_open(path, framework)` gives for a local file. Also for .npy
    and raw files, which hold one tensor (its name may then be left out). Arrays are writable numpy arrays in
    C order and the stored byte order; BF16, F8_E5M2 and F8_E4M3 come back as float32 (raw=True: the bits as
    uint16 / uint8). With framework="pt", torch tensors (BF16/F8 as torch's own bfloat16/float8 types)."""

    def __init__(self, client: "Client", info: FileInfo, tensors: Dict[str, TensorInfo], framework: str = "np") -> None:
        self._client = client
        self.info = info
        self._tensors = tensors
        self._framework = check_framework(framework)
        self._owns_client = False

    @property
    def cid(self) -> str:
        return self.info.cid

    def __enter__(self) -> "RemoteFile":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._owns_client:  # made by safe_open for this file alone
            self._client.close()

    def keys(self) -> List[str]:
        """Tensor names, sorted (as safetensors sorts them)."""
        return sorted(self._tensors)

    def metadata(self) -> Optional[Dict[str, str]]:
        """The safetensors `__metadata__`, or None (always None for .npy and raw files)."""
        return None if self.info.metadata is None else dict(self.info.metadata)

    def tensor_info(self, name: Optional[str] = None) -> TensorInfo:
        return self._info(name)

    def get_slice(self, name: Optional[str] = None, *, raw: bool = False) -> TensorSlice:
        """The tensor, to index: `f.get_slice("w")[0:10, ::-1]` reads just those elements."""
        return TensorSlice(self._client, self._info(name), self._framework, raw)

    def get_tensor(self, name: Optional[str] = None, *, raw: bool = False) -> Any:
        """The whole tensor as a numpy array (torch tensor with framework="pt"). BF16 and F8 come back as float32
        unless raw=True (then the bits, as uint16 / uint8)."""
        return self.get_slice(name, raw=raw)[...]

    def _info(self, name: Optional[str]) -> TensorInfo:
        if name is None:
            if len(self._tensors) == 1:
                return next(iter(self._tensors.values()))
            raise NotFoundError(f"{self.info.cid} holds {len(self._tensors)} tensors: name one of {self.keys()[:8]}",
                                code="NOT_FOUND")
        try:
            return self._tensors[name]
        except KeyError:
            raise NotFoundError(f"no tensor {name!r} in {self.info.cid} (it has {self.keys()[:8]})", code="NOT_FOUND") from None

    def __repr__(self) -> str:
        return f"<ipfrs.RemoteFile {self.info.cid} {self.info.format} {len(self._tensors)} tensors>"


def safe_open(filename: str, framework: str = "np", device: str = "cpu", *, url: Optional[str] = None,
              token: Optional[str] = None, client: Optional["Client"] = None) -> RemoteFile:
    """Drop-in for `safetensors.safe_open`: `filename` is ``ipfrs://<cid>``; the server is `client`, else
    `url` / `token`, else ``$IPFRS_URL`` / ``$IPFRS_TOKEN``. Use it as a context manager as with safetensors.
    BF16 and F8 tensors come back as float32 with framework="np" (see RemoteFile)."""
    from .client import Client

    prefix = "ipfrs://"
    if not isinstance(filename, str) or not filename.startswith(prefix) or len(filename) == len(prefix):
        raise ValueError(f"ipfrs.safe_open reads ipfrs://<cid> addresses, not {filename!r} "
                         "(for a local file use safetensors.safe_open)")
    if device not in ("cpu", None):
        raise ValueError(f"ipfrs.safe_open loads to the CPU; move tensors to {device!r} after loading")
    check_framework(framework)
    cid = filename[len(prefix):].strip("/")
    opened = (client or Client(url=url, token=token)).open(cid, framework=framework)
    opened._owns_client = client is None
    return opened
