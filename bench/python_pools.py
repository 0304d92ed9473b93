"""The Python side of the benchmark: the same workloads in multiprocessing.Pool and
ProcessPoolExecutor, 2 workers, as in the tutorial (seed/concurrent-futures-tutorial.md, §3).

    python3 bench/python_pools.py MODE [--n N] [--iterations N] [--warmup N] [--workers N]

Prints one JSON line per measurement. Pool start-up is excluded, as on the service side (the
service is already running): each mode creates its pool, warms it (one short task per worker,
so every worker process exists), and only then starts the clock. The clock stops when the last
result has been collected in the parent process.
"""

import argparse
import json
import math
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import Pool

K = 50


def f(x):
    """The tutorial's f(x): the sum over k in 1..51 of x ** (1 / k**1.5) (the service's power_sum)."""
    r = 0
    for k in range(1, K + 2):
        r += x ** (1 / k**1.5)
    return r


def identity(x):
    """The service's echo."""
    return x


def add(a, b):
    """The service's add."""
    return a + b


def warm_pool(pool, workers):
    # Pool forks its workers at creation; the sleeps make sure each one answers before timing.
    pool.map(time.sleep, [0.05] * workers, chunksize=1)


def warm_executor(executor, workers):
    # ProcessPoolExecutor spawns workers on demand: one sleeping task per worker starts them all.
    for fut in [executor.submit(time.sleep, 0.05) for _ in range(workers)]:
        fut.result()


def auto_chunksize(n, workers):
    # multiprocessing.Pool's rule, and the service's: ceil(n / (4 × workers)).
    return max(1, math.ceil(n / (4 * workers)))


def emit(mode, workers, **figures):
    print(json.dumps({"mode": mode, "workers": workers, **figures}), flush=True)


def check(condition, what):
    if not condition:
        raise SystemExit(f"check failed: {what}")


def pool_map_f(args):
    numbers = range(1, args.n + 1)
    with Pool(args.workers) as pool:
        warm_pool(pool, args.workers)
        start = time.perf_counter()
        results = pool.map(f, numbers)  # Pool's automatic chunksize
        seconds = time.perf_counter() - start
    check(len(results) == args.n and results[0] == f(1), "pool_map_f results")
    emit("pool_map_f", args.workers, n=args.n, seconds=seconds, chunksize=auto_chunksize(args.n, args.workers))


def ppe_map_f(args, mode, chunksize):
    numbers = range(1, args.n + 1)
    with ProcessPoolExecutor(max_workers=args.workers) as executor:
        warm_executor(executor, args.workers)
        start = time.perf_counter()
        results = list(executor.map(f, numbers, chunksize=chunksize))
        seconds = time.perf_counter() - start
    check(len(results) == args.n and results[0] == f(1), f"{mode} results")
    emit(mode, args.workers, n=args.n, seconds=seconds, chunksize=chunksize)


def ppe_map_f_chunked(args):
    ppe_map_f(args, "ppe_map_f_chunked", auto_chunksize(args.n, args.workers))


def ppe_map_f_chunksize1(args):
    ppe_map_f(args, "ppe_map_f_chunksize1", 1)


def pool_map_identity_1m(args):
    with Pool(args.workers) as pool:
        warm_pool(pool, args.workers)
        start = time.perf_counter()
        results = pool.map(identity, range(args.n))
        seconds = time.perf_counter() - start
    check(len(results) == args.n and results[-1] == args.n - 1, "pool_map_identity_1m results")
    emit("pool_map_identity_1m", args.workers, n=args.n, seconds=seconds, chunksize=auto_chunksize(args.n, args.workers))


def ppe_map_identity_1m_chunked(args):
    chunksize = auto_chunksize(args.n, args.workers)
    with ProcessPoolExecutor(max_workers=args.workers) as executor:
        warm_executor(executor, args.workers)
        start = time.perf_counter()
        results = list(executor.map(identity, range(args.n), chunksize=chunksize))
        seconds = time.perf_counter() - start
    check(len(results) == args.n and results[-1] == args.n - 1, "ppe_map_identity_1m_chunked results")
    emit("ppe_map_identity_1m_chunked", args.workers, n=args.n, seconds=seconds, chunksize=chunksize)


def percentile(sorted_values, p):
    # Nearest rank, as the C# side computes it.
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def ppe_submit_roundtrip(args):
    with ProcessPoolExecutor(max_workers=args.workers) as executor:
        warm_executor(executor, args.workers)
        for i in range(args.warmup):
            executor.submit(identity, i).result()
        samples = []
        for i in range(args.iterations):
            start = time.perf_counter()
            result = executor.submit(identity, i).result()
            samples.append(time.perf_counter() - start)
            check(result == i, "ppe_submit_roundtrip result")
    samples.sort()
    emit("ppe_submit_roundtrip", args.workers, n=args.iterations, seconds=sum(samples),
         p50_ms=percentile(samples, 50) * 1000, p99_ms=percentile(samples, 99) * 1000,
         mean_ms=statistics.fmean(samples) * 1000)


def ppe_20000_submits_as_completed(args):
    # The same calls as the service's calls batch: echo(i) and add(i, 1), alternately.
    with ProcessPoolExecutor(max_workers=args.workers) as executor:
        warm_executor(executor, args.workers)
        start = time.perf_counter()
        futures = [executor.submit(identity, i) if i % 2 == 0 else executor.submit(add, i, 1) for i in range(args.n)]
        done = 0
        for fut in as_completed(futures):
            fut.result()
            done += 1
        seconds = time.perf_counter() - start
    check(done == args.n and futures[1].result() == 2, "ppe_20000_submits_as_completed results")
    emit("ppe_20000_submits_as_completed", args.workers, n=args.n, seconds=seconds, per_second=args.n / seconds)


MODES = {
    "pool_map_f": (pool_map_f, 99_999),
    "ppe_map_f_chunked": (ppe_map_f_chunked, 99_999),
    "ppe_map_f_chunksize1": (ppe_map_f_chunksize1, 99_999),
    "pool_map_identity_1m": (pool_map_identity_1m, 1_000_000),
    "ppe_map_identity_1m_chunked": (ppe_map_identity_1m_chunked, 1_000_000),
    "ppe_submit_roundtrip": (ppe_submit_roundtrip, 2_000),
    "ppe_20000_submits_as_completed": (ppe_20000_submits_as_completed, 20_000),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("--n", type=int, help="items (maps: 1..n for f, 0..n-1 for identity) or submits")
    parser.add_argument("--iterations", type=int, default=2_000, help="timed round trips (ppe_submit_roundtrip)")
    parser.add_argument("--warmup", type=int, default=200, help="untimed round trips first (ppe_submit_roundtrip)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    run, default_n = MODES[args.mode]
    if args.n is None:
        args.n = default_n
    run(args)


if __name__ == "__main__":
    sys.exit(main())
