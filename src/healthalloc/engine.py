"""Where the work runs: one process, a pool of local processes, or a Dask cluster.

An analysis splits its work into tasks (chunks of units, chunks of bootstrap
replications, one frontier per period) and hands them to an :class:`Executor`::

    with get_executor("processes", workers=4) as ex:
        results = ex.map(func, tasks)          # [func(t) for t in tasks], in task order

The analyses fix their chunk boundaries and seeds without looking at the engine, so the
same call gives identical numbers on every engine and any number of workers.

Engines
-------
``"serial"``
    This process, one task after another.
``"processes"``
    A :class:`concurrent.futures.ProcessPoolExecutor` of ``workers`` processes with one
    BLAS thread each, started and shut down for the call.
``"dask"``
    A Dask cluster through :mod:`distributed`: the scheduler at ``scheduler`` (e.g.
    ``"tcp://10.0.0.5:8786"``; its workers need healthalloc installed); without an
    address, the client the user already created (``distributed.Client(...)``, which
    becomes the default client), or else a ``LocalCluster`` of ``workers`` single-threaded
    worker processes started and closed for the call.

Scripts that start local worker processes need the usual ``if __name__ == "__main__":``
guard where processes are not forked (Dask's always, the pool's on macOS and Windows).
Every analysis taking ``engine=`` also accepts an :class:`Executor` from
:func:`get_executor`, which lets several calls share one pool or cluster.
"""

from __future__ import annotations

import logging
import math
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from functools import cache

from healthalloc.params import Param, Params, declared

ENGINES = ("serial", "processes", "dask")
#: Local worker processes per core at most (more are capped, with a warning).
MAX_OVERSUBSCRIPTION = 4

#: Seconds to wait for a Dask scheduler given by address.
CONNECT_TIMEOUT = 10


class Executor:
    """Runs one function over many tasks; results come back in task order."""

    def map(self, func: Callable, tasks: Sequence, *,
            done: Callable[[int], object] | None = None) -> list:
        """``[func(t) for t in tasks]``, spread over the workers.

        ``func`` and the tasks must pickle (module-level functions and
        :func:`functools.partial` objects of them do); put data shared by every task in
        ``func``, which is sent once per worker on Dask. ``done(i)`` is called here as
        task ``i`` finishes, in completion order (e.g. to advance a progress bar). The
        first failing task's exception is raised and the remaining tasks are cancelled.
        """
        raise NotImplementedError


class SerialExecutor(Executor):
    """Tasks one after another in this process."""

    def map(self, func, tasks, *, done=None):
        return _collect(((i, func(t)) for i, t in enumerate(tasks)), len(tasks), done)


class ProcessExecutor(Executor):
    """Tasks on a :class:`concurrent.futures.ProcessPoolExecutor`."""

    def __init__(self, pool: ProcessPoolExecutor):
        self.pool = pool

    def map(self, func, tasks, *, done=None):
        futures = [self.pool.submit(func, t) for t in tasks]
        order = {f: i for i, f in enumerate(futures)}
        try:
            return _collect(((order[f], f.result()) for f in as_completed(futures)),
                            len(futures), done)
        except BaseException:
            for f in futures:
                f.cancel()
            raise


class DaskExecutor(Executor):
    """Tasks on the workers of a :class:`distributed.Client`."""

    def __init__(self, client):
        self.client = client

    def map(self, func, tasks, *, done=None):
        from distributed import as_completed as dask_completed

        shared = self.client.scatter(func, broadcast=True, hash=False)
        futures = [self.client.submit(_call, shared, t, pure=False) for t in tasks]
        order = {f.key: i for i, f in enumerate(futures)}
        try:
            finished = dask_completed(futures, with_results=True, loop=self.client.loop)
            return _collect(((order[f.key], r) for f, r in finished), len(futures), done)
        except BaseException:
            self.client.cancel(futures)
            raise


def _call(func: Callable, task):
    return func(task)


def _collect(finished: Iterable[tuple[int, object]], n: int, done) -> list:
    """Results in task order from ``(index, result)`` pairs in completion order."""
    results: list = [None] * n
    for i, result in finished:
        results[i] = result
        if done is not None:
            done(i)
    return results


def show_progress(progress: bool | None) -> bool:
    """Whether to show progress: ``progress`` when given, else whether stderr is a terminal."""
    import sys

    return sys.stderr.isatty() if progress is None else progress


def progress_bar(progress: bool | None, **options):
    """A ``tqdm`` bar, shown per :func:`show_progress` (``options``: total, desc, unit): a bar on
    a terminal, whole lines elsewhere (a log file, a pipe; see :func:`_lines`)."""
    import sys

    from tqdm import tqdm

    show = show_progress(progress)
    return (_lines() if show and not sys.stderr.isatty() else tqdm)(disable=not show, **options)


#: Seconds at least between two progress lines that only update the note beside the count.
LINE_EVERY = 5.0


@cache
def _lines() -> type:
    """A ``tqdm`` that writes whole lines instead of redrawing one: at each tenth of the total,
    when its note (``set_postfix_str``: an ERGM iteration, a MILP's gap) changes but at most
    every :data:`LINE_EVERY` seconds, and at the end."""
    from tqdm import tqdm

    class Lines(tqdm):
        def __init__(self, *args, **options):
            self._said = (0, "", -math.inf)  # the tenth, note and time of the last line
            if options.get("total") and "bar_format" not in options:
                options["bar_format"] = "{desc}: {percentage:3.0f}% {n_fmt}/{total_fmt} [{elapsed}]{postfix}"
            super().__init__(*args, leave=False, **options)  # close() asks for msg "" and nothing after

        def display(self, msg=None, pos=None):
            tenth = int(10 * self.n / self.total) if self.total else 0
            note, now = self.postfix or "", time.monotonic()
            tenth_said, note_said, when = self._said
            if (tenth > tenth_said or (note != note_said and now - when >= LINE_EVERY)
                    or (msg == "" and ((tenth, note) != (tenth_said, note_said) or when == -math.inf))):
                self._said = (tenth, note, now)
                self.fp.write(f"{self}\n")
                self.fp.flush()
            return msg != ""  # False when closing: no "\r" to clear the line

    return Lines


#: The engine keywords of every analysis that runs tasks (declared once for the library,
#: the command line and the ``[study]`` table).
ENGINE = Params(
    Param("engine", "serial", "where the tasks run: serial (this process), processes (a pool of local "
          "processes) or dask (a Dask cluster; see --scheduler); results are identical", choices=ENGINES,
          objects=(Executor,)),
    Param("scheduler", None, "Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with engine dask; "
          "default: a local cluster for this run)", kind=str, metavar="ADDRESS"),
    Param("workers", None, "worker processes of the local pool or Dask cluster started for this run (default: all "
          "cores; a cluster given by its scheduler keeps its own)",
          kind=int, low=1, metavar="N"),
    Param("progress", None, "show a progress bar (default: when stderr is a terminal)", kind=bool, cli=False,
          study=False),
)


@contextmanager
@declared(ENGINE.without("progress"))
def get_executor(engine: str | Executor = "serial", *, scheduler: str | None = None,
                 workers: int | None = None) -> Iterator[Executor]:
    """An :class:`Executor` for ``engine``, closed (pool or local cluster) on exit.

    Parameters
    ----------
    engine : {"serial", "processes", "dask"} or Executor
        Where tasks run (see the module docstring). An :class:`Executor` is used as it
        is and left open.

    Raises
    ------
    ValueError
        For an unknown engine, ``scheduler`` without ``engine="dask"``, ``workers < 1``,
        or a scheduler that cannot be reached within ``CONNECT_TIMEOUT`` seconds.
    """
    if isinstance(engine, Executor):
        if scheduler is not None or workers is not None:
            raise ValueError("scheduler= and workers= configure a new engine; they cannot "
                             "be combined with an Executor")
        yield engine
        return
    if scheduler is not None and engine != "dask":
        raise ValueError(f"scheduler= is the address of a Dask scheduler; it needs "
                         f"engine='dask', got engine={engine!r}")
    cores = os.cpu_count() or 1
    if workers is not None and workers > MAX_OVERSUBSCRIPTION * cores and engine != "serial" and scheduler is None:
        warnings.warn(f"{workers} local worker processes on {cores} core(s) would only wait for each other "
                      f"(and may exhaust the machine); using {MAX_OVERSUBSCRIPTION * cores}", stacklevel=3)
        workers = MAX_OVERSUBSCRIPTION * cores
    workers = workers or cores
    if engine == "serial":
        yield SerialExecutor()
    elif engine == "processes":
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_one_blas_thread)
        try:
            yield ProcessExecutor(pool)
        finally:
            pool.shutdown(cancel_futures=True)
    else:
        with _dask_client(scheduler, workers) as client:
            yield DaskExecutor(client)


def _one_blas_thread() -> None:
    """Pool initializer: one BLAS thread per worker process (as Dask's workers have), so
    that the workers do not oversubscribe the cores."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


def _check_address(scheduler: str) -> None:
    """Refuse a TCP/TLS scheduler address without a host and port."""
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    try:
        protocol, location = parse_address(scheduler)
        if protocol in ("tcp", "tls"):
            parse_host_port(location)
    except ValueError as exc:
        raise ValueError(f"{scheduler!r} is not the address of a Dask scheduler ({exc}); give one such as "
                         "tcp://10.0.0.5:8786") from None


@contextmanager
def _dask_client(scheduler: str | None, workers: int):
    """A client of the scheduler at ``scheduler``, the default client, or a new local
    cluster; only what is created here is closed."""
    import dask
    from distributed import Client, LocalCluster, default_client

    if scheduler is not None:
        _check_address(scheduler)  # before Client(): a half-made client hangs 20 s on exit
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ValueError(f"cannot reach the Dask scheduler at {scheduler!r} within "
                             f"{CONNECT_TIMEOUT} s (is it running, and is the address "
                             f"right?): {exc}") from exc
        with client:
            yield client
        return
    try:
        client = default_client()
    except ValueError:  # no client yet
        client = None
    if client is not None:
        yield client
        return
    # Dask's workers get a glibc malloc trim threshold, which fixes the mmap threshold
    # too: every large temporary array then costs page faults (~30% more CPU here)
    no_trim = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
    with dask.config.set(no_trim), \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                         dashboard_address=":0", silence_logs=logging.ERROR) as cluster, \
            Client(cluster, set_as_default=False) as client:
        yield client
