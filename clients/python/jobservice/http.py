"""HTTP with keep-alive: one ``http.client.HTTPConnection`` per thread, reused for every request it makes."""

import http.client
import json
import threading
import urllib.parse

from .errors import JobServiceError

_RETRYABLE = (http.client.RemoteDisconnected, http.client.BadStatusLine, ConnectionResetError,
              BrokenPipeError, ConnectionAbortedError)


class Session:
    """Talks to one JobService node. Thread-safe: every thread gets its own connection."""

    def __init__(self, base_url, api_key=None, timeout=None):
        url = urllib.parse.urlsplit(base_url if "://" in base_url else "http://" + base_url)
        if url.scheme not in ("http", "https"):
            raise ValueError(f"base_url must be http:// or https://, not {base_url!r}")
        self._scheme = url.scheme
        self._host = url.hostname or "localhost"
        self._port = url.port
        self._prefix = url.path.rstrip("/")
        self._timeout = timeout
        self._headers = {"Accept": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._local = threading.local()
        self._all = []
        self._lock = threading.Lock()

    def connection(self):
        """This thread's connection (opened on first use)."""
        return self._connection()

    def _connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            kind = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
            connection = kind(self._host, self._port, timeout=self._timeout)
            self._local.connection = connection
            with self._lock:
                self._all.append(connection)
        return connection

    def discard(self):
        """Closes this thread's connection (one left with unread bytes); the next request opens another."""
        self._drop()

    def _drop(self):
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def open(self, method, path, body=None, content_type="application/json", retry=True):
        """Sends a request and returns the open ``HTTPResponse`` (to stream); raises JobServiceError for 4xx/5xx.

        A kept-alive connection the server has closed meanwhile is reopened once.
        """
        headers = dict(self._headers)
        if body is not None:
            headers["Content-Type"] = content_type
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.request(method, self._prefix + path, body=body, headers=headers)
                response = connection.getresponse()
                break
            except _RETRYABLE:
                self._drop()
                if attempt == 2 or not retry:
                    raise
            except Exception:
                self._drop()
                raise
        if response.status >= 400:
            raise problem(response)
        return response

    def request(self, method, path, payload=None, allow=(), retry=True):
        """Sends JSON, reads the whole JSON answer. Statuses in ``allow`` come back as ``(status, body)``."""
        body = None if payload is None else (payload if isinstance(payload, bytes) else json.dumps(payload).encode())
        try:
            response = self.open(method, path, body, retry=retry)
        except JobServiceError as error:
            if error.status in allow:
                return error.status, error.body
            raise
        data = response.read()
        return response.status, (json.loads(data) if data else None)

    def close(self):
        with self._lock:
            connections, self._all = self._all, []
        for connection in connections:
            connection.close()


def problem(response):
    """Reads an error answer (RFC 7807 ProblemDetails, or anything else) into a JobServiceError."""
    data = response.read()
    try:
        body = json.loads(data) if data else {}
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    detail = body.get("detail") or data.decode("utf-8", "replace")[:500] or None
    return JobServiceError(response.status, body.get("title") or response.reason, detail, body.get("errors"), body)
