"""Tutorial §3 over JobService: the tutorial's f(x) (the service's "power_sum") over 1..99,999.

The tutorial compares multiprocessing.Pool, ProcessPoolExecutor without chunksize and with it. Here
the first part leaves chunksize out (the service then chunks as multiprocessing.Pool does,
ceil(n / (4 x workers))); the second computes it as the tutorial does, from the node's workers.
(chunksize=1, the tutorial's slow middle part, works too: one dispatch per item, just as slow to watch.)

    PYTHONPATH=clients/python JOBSERVICE_URL=http://localhost:5080 python3 clients/python/examples/power_sum_chunks.py
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from jobservice import JobServiceExecutor  # noqa: E402

URL = os.environ.get("JOBSERVICE_URL", "http://localhost:5080")
NUMBERS = range(1, 100000)

print('JobServiceExecutor, automatic chunksize (as multiprocessing.Pool):\n')

#part1
start = time.time()
l = []
with JobServiceExecutor(URL) as executor:
    for num, result in zip(NUMBERS, executor.map("power_sum", NUMBERS)):
        l.append(result)
print(len(l))
print('COST: {}'.format(time.time() - start))
print('JobServiceExecutor with chunksize:\n')

#part2
start = time.time()
l = []
with JobServiceExecutor(URL) as executor:
    chunksize, extra = divmod(len(NUMBERS), executor._max_workers * 4)
    for num, result in zip(NUMBERS, executor.map("power_sum", NUMBERS, chunksize=chunksize)):
        l.append(result)

print(len(l))
print('COST: {}'.format(time.time() - start))
print('f(1) = {}, f(2) = {}, f(99999) = {}'.format(l[0], l[1], l[-1]))
