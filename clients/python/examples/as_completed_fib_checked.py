"""Tutorial §1, second example, over JobService: submit + as_completed with fib_checked (31 raises).

As in the tutorial, the error is caught per future with as_completed, then map over the same numbers
raises it at item 31. The tutorial lets that second error end the script with the remote traceback;
here it is caught and printed, so that the script ends normally.

    PYTHONPATH=clients/python JOBSERVICE_URL=http://localhost:5080 python3 clients/python/examples/as_completed_fib_checked.py
"""

import os
import sys
import time
from concurrent.futures import as_completed

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from jobservice import JobServiceExecutor, RemoteError  # noqa: E402

URL = os.environ.get("JOBSERVICE_URL", "http://localhost:5080")


def pool_factory(func, data):
    with JobServiceExecutor(URL) as executor:
        executor_dict = {executor.submit(func, num): num for num in data}
        res_dict = {}
        for executor_run in as_completed(executor_dict):
            num = executor_dict[executor_run]

            try:
                result = executor_run.result()
            except Exception as e:
                print("Raise error: {}".format(e))
            else:
                res_dict[num] = result
        return res_dict


start = time.time()
NUMBERS = range(15, 32)
res = pool_factory("fib_checked", NUMBERS)

for el in res:
    print("fib({}) = {}".format(el, res[el]))
print('COST: {}'.format(time.time() - start))


def pool_factory(func, data):
    with JobServiceExecutor(URL) as executor:
        res = {
            num: result
            for num, result in zip(data, executor.map(func, data))
        }
        return res


try:
    pool_factory("fib_checked", NUMBERS)
except RemoteError as e:
    print("map raised {}: {}".format(e.type, e))
