"""The errors of the client: one class per GraphQL error code and per download refusal.

Every error carries the server's own message (``str(error)``), the stable ``code`` the server sent and, for
HTTP answers, the ``status``. Catch :class:`IpfrsError` for all of them.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Type


class IpfrsError(Exception):
    """Base of every error the client raises on purpose."""

    code: Optional[str] = None

    def __init__(self, message: str, *, code: Optional[str] = None, status: Optional[int] = None,
                 url: Optional[str] = None, details: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.status = status
        self.url = url
        self.details: Dict[str, Any] = details or {}


class NotFoundError(IpfrsError, KeyError):
    """No file or tensor with that CID or name (GraphQL NOT_FOUND, HTTP 404)."""

    code = "NOT_FOUND"

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class InvalidSliceError(IpfrsError, IndexError):
    """The index is not numpy basic indexing or does not fit the tensor (INVALID_SLICE)."""

    code = "INVALID_SLICE"


class InvalidRangeError(IpfrsError):
    """The byte range is outside the file or reversed (INVALID_RANGE, HTTP 416)."""

    code = "INVALID_RANGE"


class InvalidArgumentError(IpfrsError, ValueError):
    """An argument is malformed or out of range (INVALID_ARGUMENT, HTTP 400)."""

    code = "INVALID_ARGUMENT"


class InvalidFileError(IpfrsError, ValueError):
    """The uploaded bytes are not a valid safetensors, .npy or declared raw file (INVALID_FILE)."""

    code = "INVALID_FILE"


class TooLargeError(IpfrsError):
    """The request asks for more than a server limit allows (TOO_LARGE, HTTP 413)."""

    code = "TOO_LARGE"


class UnauthenticatedError(IpfrsError):
    """The call needs a bearer token and none that the server knows was sent (UNAUTHENTICATED, HTTP 401)."""

    code = "UNAUTHENTICATED"


class ForbiddenError(IpfrsError):
    """The token lacks the scope, or a download link was refused (FORBIDDEN, HTTP 403)."""

    code = "FORBIDDEN"


class LinkExpiredError(ForbiddenError):
    """A signed download link is past its expiry (HTTP 403, reason "expired")."""


class LinkSignatureError(ForbiddenError):
    """A signed download link was changed, cut short or signed with a retired key (HTTP 403)."""


class RateLimitedError(IpfrsError):
    """The server's rate limit refused the request (HTTP 429); ``retry_after`` is in seconds, if sent."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class StoreError(IpfrsError):
    """The server cannot read its copy of the object (STORE_ERROR, HTTP 500): not the request's fault."""

    code = "STORE_ERROR"


class UnavailableError(IpfrsError):
    """The server cannot answer right now (HTTP 503); retrying later may help."""

    code = "UNAVAILABLE"


class IntegrityError(IpfrsError):
    """Downloaded bytes do not hash to the CID they were asked by."""

    code = "INTEGRITY"


class ProtocolError(IpfrsError):
    """The server answered something this client does not understand (an unexpected status or body)."""

    code = "PROTOCOL"


class IpfrsConnectionError(IpfrsError, ConnectionError):
    """The server could not be reached, or the connection broke and retries ran out. Names the URL."""

    code = "CONNECTION"


class IpfrsTimeoutError(IpfrsConnectionError, TimeoutError):
    """The server did not answer within the client's timeout."""

    code = "TIMEOUT"


_BY_CODE: Dict[str, Type[IpfrsError]] = {
    cls.code: cls  # type: ignore[misc]
    for cls in (NotFoundError, InvalidSliceError, InvalidRangeError, InvalidArgumentError, InvalidFileError,
                TooLargeError, UnauthenticatedError, ForbiddenError, StoreError, UnavailableError, RateLimitedError)
}
# The download route's words for the same failures.
_BY_CODE["BAD_REQUEST"] = InvalidArgumentError
_BY_CODE["RANGE_NOT_SATISFIABLE"] = InvalidRangeError

_BY_STATUS: Dict[int, Type[IpfrsError]] = {
    400: InvalidArgumentError, 401: UnauthenticatedError, 403: ForbiddenError, 404: NotFoundError,
    413: TooLargeError, 416: InvalidRangeError, 429: RateLimitedError, 500: StoreError, 503: UnavailableError,
}


def error_for_code(code: Optional[str], message: str, **kwargs: Any) -> IpfrsError:
    """The error class for a GraphQL error code (unknown codes give a plain IpfrsError carrying the code)."""
    cls = _BY_CODE.get(code or "", IpfrsError)
    return cls(message, code=code, **kwargs)


def error_for_refusal(status: int, body: Dict[str, Any], url: str, headers: Optional[Dict[str, str]] = None) -> IpfrsError:
    """The error for a refusal of the download route: its JSON body {error, status, reason?, message}."""
    code = body.get("error") if isinstance(body.get("error"), str) else None
    message = body.get("message") if isinstance(body.get("message"), str) else f"HTTP {status}"
    reason = body.get("reason")
    kwargs: Dict[str, Any] = {"code": code, "status": status, "url": _redact(url), "details": body}
    if status == 403 and reason == "expired":
        return LinkExpiredError(message, **kwargs)
    if status == 403 and reason in ("bad signature", "unknown key", "malformed", "missing signature"):
        return LinkSignatureError(message, **kwargs)
    if status == 429:
        retry = (headers or {}).get("retry-after")
        try:
            seconds = float(retry) if retry is not None else None
        except ValueError:
            seconds = None
        return RateLimitedError(message, retry_after=seconds, **kwargs)
    cls = _BY_CODE.get(code or "") or _BY_STATUS.get(status) or ProtocolError
    return cls(message, **kwargs)


def _redact(url: str) -> str:
    """A link without its signature, for messages and logs."""
    head, sep, query = url.partition("?")
    if not sep:
        return url
    kept = [part for part in query.split("&") if not part.startswith("sig=")]
    return head + ("?" + "&".join(kept) if kept else "")
