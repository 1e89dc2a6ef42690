"""The bridge's own exception family: callers never see an HTTP library's errors."""


class CowsError(Exception):
    """Anything that went wrong talking to the office's Caselle web service."""

    reason = "error"


class CowsNotConfigured(CowsError):
    reason = "not_configured"


class CowsUnavailable(CowsError):
    """COWS could not be reached, timed out, or answered 5xx: try again later."""

    reason = "unavailable"


class CowsRejected(CowsError):
    """COWS understood the request and refused it (4xx)."""

    reason = "rejected"

    def __init__(self, message: str, *, status: int = 400, code: str = "rejected"):
        super().__init__(message)
        self.status = status
        self.code = code


class CowsNotFound(CowsRejected):
    reason = "not_found"


class CowsAuthFailed(CowsRejected):
    """COWS refused the portal's key (401/403): calls fail until the office fixes the key, so work waits."""

    reason = "auth_failed"


KEY_REFUSED = "COWS refused the portal's key"  # how such a failure starts, on the link and on waiting work


class CowsBadResponse(CowsError):
    """COWS answered with data the bridge cannot trust (malformed JSON, missing fields)."""

    reason = "bad_response"
