"""JobServiceExecutor against a live JobService node (JOBSERVICE_URL, default http://localhost:5080).

Run by the .NET test suite (tests/JobService.Tests/Clients/PythonClientTests.cs), which starts a node
with 2 workers, or by hand against any node:

    JOBSERVICE_URL=http://localhost:5080 python3 -m unittest discover -s clients/python/tests -t clients/python
"""

import concurrent.futures
import http.server
import json
import os
import threading
import time
import unittest
from concurrent.futures import FIRST_COMPLETED, Future, as_completed, wait

from jobservice import JobServiceError, JobServiceExecutor, RemoteError
from jobservice import executor as executor_module

URL = os.environ.get("JOBSERVICE_URL", "http://localhost:5080")


class SubmitTests(unittest.TestCase):
    def setUp(self):
        self.executor = JobServiceExecutor(URL)

    def tearDown(self):
        self.executor.shutdown(wait=True, cancel_futures=True)

    def test_submit_returns_a_real_future_with_the_result(self):
        future = self.executor.submit("fib", 20)
        self.assertIsInstance(future, Future)
        self.assertEqual(6765, future.result(timeout=30))
        self.assertTrue(future.done())

    def test_as_completed_yields_every_future_and_the_remote_error_at_its_own(self):
        futures = {self.executor.submit("fib_checked", n): n for n in range(25, 32)}
        results, errors = {}, {}
        for future in as_completed(futures, timeout=30):
            try:
                results[futures[future]] = future.result()
            except RemoteError as error:
                errors[futures[future]] = error
        self.assertEqual({25: 75025, 26: 121393, 27: 196418, 28: 317811, 29: 514229, 30: 832040}, results)
        error = errors[31]
        self.assertEqual("fib must less than 31", error.message)
        self.assertEqual("Exception", error.type)
        self.assertTrue(error.traceback)
        self.assertIn("fib must less than 31", str(error))
        self.assertIn(error.traceback.splitlines()[0], str(error))

    def test_wait_first_completed_returns_the_quick_call_first(self):
        slow = self.executor.submit("sleep", 1)
        quick = self.executor.submit("add", 2, 3)
        done, not_done = wait([slow, quick], timeout=30, return_when=FIRST_COMPLETED)
        self.assertIn(quick, done)
        self.assertIn(slow, not_done)
        self.assertEqual(5, quick.result())

    def test_cancel_of_a_pending_future_succeeds_and_of_a_running_one_is_refused(self):
        running = [self.executor.submit("sleep", 1) for _ in range(2)]   # both workers busy
        waiting = self.executor.submit("sleep", 1)
        self.assertTrue(waiting.cancel())
        self.assertTrue(waiting.cancelled())
        self.assertRaises(concurrent.futures.CancelledError, waiting.result)
        self.assertIn(waiting, wait([waiting], timeout=0).done)
        deadline = time.monotonic() + 10
        while not self._running(running[0]) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse(running[0].cancel())
        self.assertEqual(1, running[0].result(timeout=30))

    def _running(self, future):
        _, view = self.executor._session.request("GET", f"/futures/{future.id}")
        return view["state"] == "running"

    def test_shutdown_with_cancel_futures_cancels_the_pending_ones(self):
        futures = [self.executor.submit("sleep", 0.3) for _ in range(5)]
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.assertTrue(all(f.done() for f in futures))
        self.assertTrue(any(f.cancelled() for f in futures))
        self.assertRaises(RuntimeError, self.executor.submit, "fib", 1)

    def test_an_unknown_function_is_a_clear_error(self):
        with self.assertRaises(JobServiceError) as caught:
            self.executor.submit("no_such_function", 1)
        self.assertEqual(400, caught.exception.status)
        self.assertIn("no_such_function", str(caught.exception))

    def test_a_function_must_be_named(self):
        self.assertRaises(TypeError, self.executor.submit, len, 1)


class MapTests(unittest.TestCase):
    def setUp(self):
        self.executor = JobServiceExecutor(URL)

    def tearDown(self):
        self.executor.shutdown()

    def test_map_yields_results_in_item_order(self):
        self.assertEqual([610, 987, 1597, 2584, 832040], list(self.executor.map("fib", [15, 16, 17, 18, 30])))

    def test_map_over_several_iterables_spreads_each_item(self):
        self.assertEqual([11, 22, 33], list(self.executor.map("add", [1, 2, 3], [10, 20, 30, 40])))

    def test_map_returns_values_of_any_json_shape(self):
        items = ["a,b", "],\"failed\":[", {"k": "v,]"}, None, 5, "中文", 1.5, True]
        self.assertEqual(items, list(self.executor.map("echo", items)))

    def test_map_raises_the_remote_error_at_the_failed_item(self):
        results = self.executor.map("fib_checked", [29, 30, 31, 15])
        self.assertEqual(514229, next(results))
        self.assertEqual(832040, next(results))
        with self.assertRaises(RemoteError) as caught:
            next(results)
        self.assertEqual("fib must less than 31", caught.exception.message)
        self.assertIn("fib must less than 31", str(caught.exception))

    def test_map_streams_many_results(self):
        n = 200_000
        self.assertEqual(n * (n - 1) // 2, sum(self.executor.map("echo", range(n))))
        self.assertEqual(n, sum(1 for _ in self.executor.map("echo", range(n), chunksize=50_000)))

    def test_map_with_a_timeout_raises_timeout_error(self):
        start = time.monotonic()
        with self.assertRaises(TimeoutError):
            list(self.executor.map("sleep", [1.0], timeout=0.2))
        self.assertLess(time.monotonic() - start, 0.9)

    def test_map_asks_again_when_a_long_poll_runs_out(self):
        short = executor_module._STREAM_WAIT
        executor_module._STREAM_WAIT = 0.15
        try:
            self.assertEqual([0.4, 0.1, 0.3], list(self.executor.map("sleep", [0.4, 0.1, 0.3])))
        finally:
            executor_module._STREAM_WAIT = short

    def test_results_left_unread_do_not_spoil_the_connection(self):
        for num, result in zip(range(15, 18), self.executor.map("fib", range(15, 25))):
            pass
        self.assertEqual(5, self.executor.submit("add", 2, 3).result(timeout=30))
        self.assertEqual([1, 1, 2], list(self.executor.map("fib", [1, 2, 3])))


class ContextManagerTests(unittest.TestCase):
    def test_with_block_waits_for_submitted_calls(self):
        with JobServiceExecutor(URL) as executor:
            future = executor.submit("sleep", 0.3)
        self.assertTrue(future.done())
        self.assertEqual(0.3, future.result())


class ApiKeyTests(unittest.TestCase):
    """Against a stand-in server that refuses every key: what is sent, and how a 401 reads."""

    def setUp(self):
        seen = self.seen = []

        class Refuse(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                seen.append(self.headers.get("Authorization"))
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = json.dumps({"title": "Unauthorized", "status": 401, "detail": "a valid API key is required"}).encode()
                self.send_response(401)
                self.send_header("Content-Type", "application/problem+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()

    def test_the_key_is_sent_as_a_bearer_token_and_a_401_names_the_problem(self):
        executor = JobServiceExecutor(f"http://127.0.0.1:{self.server.server_port}", api_key="s3cret")
        with self.assertRaises(JobServiceError) as caught:
            executor.submit("fib", 20)
        self.assertEqual(["Bearer s3cret"], self.seen)
        self.assertEqual(401, caught.exception.status)
        self.assertIn("a valid API key is required", str(caught.exception))
        executor.shutdown()


if __name__ == "__main__":
    unittest.main()
