"""The two ways a call can fail: the service refused the request, or the remote function raised."""


class JobServiceError(Exception):
    """The service answered with an error (a 4xx or 5xx ProblemDetails); ``detail`` says why."""

    def __init__(self, status, title, detail, errors=None, body=None):
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or {}
        self.body = body
        super().__init__(status, title, detail)

    def __str__(self):
        text = f"{self.status} {self.title}: {self.detail}" if self.detail else f"{self.status} {self.title}"
        extra = [f"{field}: {'; '.join(messages)}" for field, messages in self.errors.items()
                 if "; ".join(messages) not in (self.detail or "")]
        return "\n".join([text, *extra])


class RemoteError(Exception):
    """The remote function raised: its exception type, message and traceback, as the worker reported them.

    ``str()`` starts with the message (so ``print("Raise error: {}".format(e))`` reads as with a local
    exception) and goes on with the remote traceback, as ``concurrent.futures`` shows a ``_RemoteTraceback``.
    """

    def __init__(self, type, message, traceback=None, future_id=None):
        self.type = type
        self.message = message
        self.traceback = traceback
        self.future_id = future_id
        super().__init__(message)

    @classmethod
    def from_wire(cls, error, future_id=None):
        error = error or {}
        return cls(error.get("type") or "Exception", error.get("message") or "", error.get("traceback"), future_id)

    def __str__(self):
        where = f" in {self.future_id}" if self.future_id else ""
        if not self.traceback:
            return f"{self.message} ({self.type}{where})"
        return f'{self.message}\n\nRemote traceback ({self.type}{where}):\n"""\n{self.traceback}\n"""'

    def __reduce__(self):
        return (type(self), (self.type, self.message, self.traceback, self.future_id))
