"""concurrent.futures over HTTP: a JobService client using only the standard library.

    from jobservice import JobServiceExecutor
    with JobServiceExecutor("http://localhost:5080") as executor:
        print(list(executor.map("fib", range(15, 32))))
"""

from .errors import JobServiceError, RemoteError
from .executor import JobServiceExecutor

__all__ = ["JobServiceExecutor", "JobServiceError", "RemoteError"]
