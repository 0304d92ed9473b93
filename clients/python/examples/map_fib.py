"""Tutorial §1 over JobService: executor.map of fib over 15..31.

The tutorial's code with two changes: JobServiceExecutor(URL) instead of ProcessPoolExecutor(max_workers=...),
and the function named by string ("fib", a function of the service's catalog) instead of passed.

    PYTHONPATH=clients/python JOBSERVICE_URL=http://localhost:5080 python3 clients/python/examples/map_fib.py
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from jobservice import JobServiceExecutor  # noqa: E402

URL = os.environ.get("JOBSERVICE_URL", "http://localhost:5080")


def pool_factory(func, data):
    with JobServiceExecutor(URL) as executor:
        res = {
            num: result
            for num, result in zip(data, executor.map(func, data))
        }
        return res


start = time.time()
NUMBERS = range(15, 32)
res = pool_factory("fib", NUMBERS)

for el in res:
    print("fib({}) = {}".format(el, res[el]))
print('COST: {}'.format(time.time() - start))
