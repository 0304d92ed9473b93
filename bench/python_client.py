"""End-to-end echo over a million items: JobServiceExecutor.map against the standard library's pools.

    dotnet build -c Release src/Api/JobService.Api.csproj
    dotnet src/Api/bin/Release/net10.0/JobService.Api.dll --urls http://127.0.0.1:5731 --Workers:Count=2 --Jobs:Retention=00:00:20 &
    python3 bench/python_client.py --url http://127.0.0.1:5731 [--items 1000000] [--repeat 3]

Each contender maps ``echo`` over ``range(items)`` and consumes every result; the time is from the
call to the last result, pool start-up included (as a script using a pool pays it). The local pools
get as many processes as the node has workers and Pool's own chunk size, ceil(n / (4 x workers)),
which is also what the service chooses when no chunksize is given. Best of ``--repeat`` rounds, each
round running every contender once in turn. Keep the node's ``Jobs:Retention`` short (as the main bench does,
``--Jobs:Retention=00:00:20``): every million-item job is kept in memory until it expires.
"""

import argparse
import math
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))
from jobservice import JobServiceExecutor  # noqa: E402


def echo(x):
    return x


def consume(results, n):
    count = 0
    last = None
    for last in results:
        count += 1
    assert count == n and last == n - 1, (count, last)


def jobservice_map(url, n, workers):
    with JobServiceExecutor(url) as executor:
        consume(executor.map("echo", range(n)), n)


def process_pool_map(url, n, workers):
    with ProcessPoolExecutor(max_workers=workers) as executor:
        consume(executor.map(echo, range(n), chunksize=math.ceil(n / (4 * workers))), n)


def pool_map(url, n, workers):
    with multiprocessing.Pool(workers) as pool:
        consume(pool.map(echo, range(n)), n)


def warm(make, url, workers):
    """The executor or pool made and warmed (every worker process up) before the clock starts."""
    executor = make(url, workers)
    list(executor.map(*(("echo",) if isinstance(executor, JobServiceExecutor) else (echo,)), range(workers * 2)))
    return executor


def timed(repeat, runs):
    """Runs each contender once per round, in turn, so that a burst of other load hits them all alike."""
    times = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: (min(t), t) for name, t in times.items()}


def report(title, results):
    print(title)
    for name, (best, times) in results.items():
        print(f"  {name:38} {best:6.2f} s   (runs: {', '.join(f'{t:.2f}' for t in times)})")
    ours = results["JobServiceExecutor.map"][0]
    for name in list(results)[1:]:
        print(f"  JobServiceExecutor / {name:38} {ours / results[name][0]:5.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("JOBSERVICE_URL", "http://127.0.0.1:5731"))
    parser.add_argument("--items", type=int, default=10**6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("cold", "warm"), help="one of the two tables only")
    args = parser.parse_args()
    with JobServiceExecutor(args.url) as executor:
        workers = executor.max_workers
    print(f"echo over {args.items:,} items, {workers} workers (node and local pools), {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; best of {args.repeat}")
    n = args.items
    if args.only != "warm":
        cold_tables(args, n, workers)
    if args.only != "cold":
        warm_tables(args, n, workers)


def cold_tables(args, n, workers):
    cold = timed(args.repeat, {
        "JobServiceExecutor.map": lambda: jobservice_map(args.url, n, workers),
        "ProcessPoolExecutor.map (chunksize)": lambda: process_pool_map(args.url, n, workers),
        "multiprocessing.Pool.map": lambda: pool_map(args.url, n, workers),
    })
    report("cold: executor or pool made inside the clock (a script's whole cost)", cold)


def warm_tables(args, n, workers):
    ours = warm(lambda url, w: JobServiceExecutor(url), args.url, workers)
    ppe = warm(lambda url, w: ProcessPoolExecutor(max_workers=w), args.url, workers)
    pool = warm(lambda url, w: multiprocessing.Pool(w), args.url, workers)
    chunksize = math.ceil(n / (4 * workers))
    try:
        hot = timed(args.repeat, {
            "JobServiceExecutor.map": lambda: consume(ours.map("echo", range(n)), n),
            "ProcessPoolExecutor.map (chunksize)": lambda: consume(ppe.map(echo, range(n), chunksize=chunksize), n),
            "multiprocessing.Pool.map": lambda: consume(pool.map(echo, range(n)), n),
        })
    finally:
        ours.shutdown()
        ppe.shutdown()
        pool.terminate()
    report("warm: executor or pool made and warmed before the clock (the service is running already)", hot)


if __name__ == "__main__":
    main()
