"""ipfrs: the Python client of an ipfrs-interface server, with safetensors' `safe_open` surface.

    import ipfrs
    client = ipfrs.Client("http://127.0.0.1:8080")
    with ipfrs.safe_open("ipfrs://bafkrei...", framework="np") as f:
        w = f.get_slice("weight")[0:10, ::-1]

Arrays equal numpy's own indexing of the whole tensor; BF16, F8_E5M2 and F8_E4M3 come back as float32 (pass
raw=True to get_tensor / get_slice for the bits as unsigned integers). Needs numpy and the standard library only.
"""
from .client import Cache, Client
from .errors import (IntegrityError, InvalidArgumentError, InvalidFileError, InvalidRangeError, InvalidSliceError,
                     IpfrsConnectionError, IpfrsError, IpfrsTimeoutError, LinkExpiredError, LinkSignatureError,
                     ForbiddenError, NotFoundError, ProtocolError, RateLimitedError, StoreError, TooLargeError,
                     UnauthenticatedError, UnavailableError)
from .file import RemoteFile, TensorSlice, safe_open
from .models import CacheEntry, CacheStats, DownloadLink, FileInfo, TensorInfo

__version__ = "0.1.0"

__all__ = [
    "Cache", "CacheEntry", "CacheStats", "Client", "DownloadLink", "FileInfo", "ForbiddenError", "IntegrityError",
    "InvalidArgumentError", "InvalidFileError", "InvalidRangeError", "InvalidSliceError", "IpfrsConnectionError",
    "IpfrsError", "IpfrsTimeoutError", "LinkExpiredError", "LinkSignatureError", "NotFoundError", "ProtocolError",
    "RateLimitedError", "RemoteFile", "StoreError", "TensorInfo", "TensorSlice", "TooLargeError",
    "UnauthenticatedError", "UnavailableError", "safe_open",
]
