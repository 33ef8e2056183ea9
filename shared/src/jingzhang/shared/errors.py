"""Errors the kernel and the domains raise; entrypoints map them onto HTTP statuses and exit codes."""


class JingzhangError(Exception):
    """Base of every error we raise on purpose."""


class DomainRejected(JingzhangError):
    """A command was refused by a domain rule (HTTP 409 or 422 by `kind`); `reason` says why."""

    def __init__(self, reason: str, *, field: str | None = None, code: str = "rejected") -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.code = code


class InvalidCommand(DomainRejected):
    """The command's content breaks a rule that a schema cannot express (HTTP 422, naming the field)."""

    def __init__(self, reason: str, *, field: str) -> None:
        super().__init__(reason, field=field, code="invalid")


class UnknownSubject(DomainRejected):
    """A command names an enterprise or officer this service does not know, and it has seen everything
    published so far: nobody by that id exists (HTTP 422 naming the field)."""

    def __init__(self, kind: str, ident: str, *, field: str) -> None:
        super().__init__(f"no {kind} {ident!r} is known", field=field, code=f"unknown_{kind}")


class NotYetKnown(DomainRejected):
    """A command names an enterprise or officer this service has not seen yet while events of its
    producer are still on their way: it may have been registered a moment ago. HTTP 409 with
    `Retry-After`; retrying the same command is safe."""

    def __init__(self, kind: str, ident: str, *, field: str, retry_after: int = 2) -> None:
        reason = f"{kind} {ident!r} is not known here yet (events are still arriving): retry"
        super().__init__(reason, field=field, code="not_yet_known")
        self.retry_after = retry_after


class NotFound(JingzhangError):
    """An id that names nothing we know (HTTP 404)."""

    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"{kind} {ident!r} not found")
        self.kind = kind
        self.ident = ident


class ConcurrencyError(JingzhangError):
    """The stream moved on since the caller read it (HTTP 409): re-read and decide again."""

    def __init__(self, stream: str, expected: int, actual: int | None) -> None:
        found = "unknown" if actual is None else str(actual)
        super().__init__(f"stream {stream} is at version {found}, expected {expected}")
        self.stream = stream
        self.expected = expected
        self.actual = actual


class UnknownEventType(JingzhangError):
    """An event type no registry knows; consumers park it instead of guessing."""
