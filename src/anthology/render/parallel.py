"""Run layout jobs: from the cache when it has them, else in worker processes (one per core).

A job is laid out the same wherever it runs (render/layout.py). A build's workers are
started before its book is loaded (:class:`Workers`) and import WeasyPrint meanwhile; those
a Runner forks itself (an EPUB alone that misses the cache) start from the build's process,
fonts loaded. With one job to do and no workers started, or one core, or ``workers=1``, the
job runs here. WeasyPrint is imported only where a job is laid out or a PDF merged.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from .engine import load

if TYPE_CHECKING:  # not imported at run time: the CLI forks a build's workers right after this module
    import multiprocessing.context
    import multiprocessing.pool
    from multiprocessing.pool import AsyncResult

    from .cache import LayoutCache
    from .jobs import Job, LaidOut

# multiprocessing, ctypes and render/roomy.py are imported where workers are started or run: a
# build whose every piece is in the cache (an EPUB alone) starts a sixtieth of a second sooner.

Tick = Callable[[int, int], None]  # (jobs done, jobs in all)
T = TypeVar("T")


class Named:
    """A function named by its module and name, imported where it is called: it crosses to a
    worker (pickled) without its module being imported here (the merge's pikepdf, in a build's
    process that has no use for it), and a worker started early imports only what it runs."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from . import roomy

        return roomy.call(getattr(importlib.import_module(self.module), self.name), *args, **kwargs)


def lay_out(job: Job, known_fonts: frozenset[str] = frozenset(), hyphenation_cache: str = "") -> LaidOut:
    """render/layout.py's, imported (and WeasyPrint with it) when a job is first laid out,
    called with room on the frame stack (render/roomy.py)."""
    from . import layout, roomy

    return roomy.call(layout.lay_out, job, known_fonts, hyphenation_cache)


def prepare(job: Job) -> None:
    """render/layout.py's: fonts and stylesheets loaded before the workers are forked."""
    from . import layout

    layout.prepare(job)


class LayoutTimeout(Exception):
    """A job took longer than the layout time limit (``limits.layout_seconds``)."""

    def __init__(self, job: Job, seconds: float) -> None:
        super().__init__(f"{job.kind} took more than {seconds:.0f} s")
        self.job = job
        self.seconds = seconds


class LayoutFailed(Exception):
    """WeasyPrint raised while laying out a job (in this process or in a worker)."""

    def __init__(self, job: Job, error: BaseException) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.job = job
        self.error = error


@contextlib.contextmanager
def _alarm(seconds: float, job: Job) -> Iterator[None]:
    """Stop a job laid out in this process after ``seconds`` (main thread only: signals; and
    only when the alarm is free: a caller's own timer is left alone). The alarm's exception
    can land where Python swallows it (a garbage-collector callback): then the job runs to
    its end and the time limit is reported after it."""
    if (seconds <= 0 or threading.current_thread() is not threading.main_thread()
            or signal.getitimer(signal.ITIMER_REAL)[0] > 0):
        yield
        return
    fired: list[bool] = []

    def expired(signum: int, frame: object) -> None:
        if not fired:
            fired.append(True)
            raise LayoutTimeout(job, seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if fired:
        raise LayoutTimeout(job, seconds)


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _worker_start(parent: int, warm_ups: object = None) -> None:
    """Ctrl-C and ``kill`` are for the build's own process: it stops the workers itself, and
    a worker must neither print a traceback nor run the build's SIGTERM handler. Should the
    build's process die (``kill -9``), its workers die with it (Linux), not at the end of
    their current chapter. ``warm_ups`` (a queue): started before the book was loaded
    (:class:`Workers`), the first worker imports WeasyPrint now, while the build's process
    reads the reviews, and what the merge needs (pikepdf, HarfBuzz); the others wait for
    :meth:`Workers.loaded`, then import and lay out the warm-up page, or (``_CHAIN``, every
    section to be laid out) each imports as soon as the one before it has imported."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)
    # A worker ends with os._exit, after multiprocessing's finalizers: the fonts it loaded
    # itself leave no temporary folder behind (a stopped worker, like a killed build, does).
    import multiprocessing.util

    multiprocessing.util.Finalize(None, _release_fonts, exitpriority=10)
    if warm_ups is not None:
        warm_up = None
        with contextlib.suppress(Exception):  # the first worker takes _GO at once, the others wait
            warm_up = warm_ups.get(timeout=_WAIT_FOR_LOAD)  # type: ignore[attr-defined]
        if warm_up == _STOP:  # the build is over without needing this worker
            return
        chain = warm_up == _CHAIN
        if warm_up in (_GO, _CHAIN):
            warm_up = None
        with contextlib.suppress(Exception):  # WeasyPrint that cannot load says so at the first job
            try:
                load(f"{__package__}.layout")
                load(f"{__package__}.merge")
            finally:
                if chain:  # the next worker's turn
                    warm_ups.put(_CHAIN)  # type: ignore[attr-defined]
            if warm_up is not None:
                lay_out(*warm_up)


def _release_fonts() -> None:
    layout = sys.modules.get(f"{__package__}.layout")
    if layout is not None:
        layout.release()


def _fork_context() -> multiprocessing.context.BaseContext:
    import multiprocessing.pool  # the pools the context makes

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


class Workers:
    """Worker processes started before the book is loaded: while the build's process reads
    the reviews and makes the index, they import WeasyPrint (a fifth of a second each), so
    that a rebuild's few jobs and the merge find them ready, and the build's own process
    never imports it. A :class:`Runner` given them uses them; :meth:`close` stops them if
    nothing did (a load error, a single-pass layout).

    ``kept``: they outlive the build, for the next one (``build --watch``), with WeasyPrint
    imported, the fonts loaded and their caches warm; a build that fails or is interrupted
    stops them (``broken``), and the caller starts others.

    ``eager``: the build will lay out every section (no layout cache yet, or ``--no-cache``),
    so the other workers need not wait for :meth:`loaded` (a first build's loading, its
    reviews parsed and its index sorted, leaves the first worker idle for a while)."""

    def __init__(self, count: int, *, kept: bool = False, eager: bool = False) -> None:
        self.count = count
        self.kept = kept
        self.broken = False
        context = _fork_context()
        # The first worker imports at once, the others once there is work for them (:meth:`loaded`):
        # with two cores, two imports beside the loading slowed it down by half, and a rebuild
        # after an edit needs one worker (its chapter, then the merge).
        self._warm_ups = context.Queue()
        self._warm_ups.cancel_join_thread()  # what is not read is not wanted: no waiting at exit
        self._warm_up: tuple[Job, frozenset[str], str] | None = None
        self._released = eager  # eager: nothing for loaded() to release
        self.pool = context.Pool(count, initializer=_worker_start, initargs=(os.getpid(), self._warm_ups))
        # For the first worker (after the fork: the queue's thread starts here). With ``eager``
        # each worker imports once the one before it has: the second while the first waits for
        # its warm-up page, never two imports beside the loading.
        self._warm_ups.put(_CHAIN if eager else _GO)

    def warm_up(self, job: Job, known_fonts: frozenset[str], hyphenation_cache: str = "") -> None:
        """Lay out ``job`` (a page like the book's) in each worker before its first real job:
        now in the first, which is ready or nearly, and in the others once they have started."""
        self._warm_up = (job, known_fonts, hyphenation_cache)
        self.pool.apply_async(lay_out, self._warm_up)

    def loaded(self) -> None:
        """There is work for more than one worker (a build with more than one job to lay out):
        the others may import WeasyPrint now. Until then they wait (a rebuild after an edit has
        one chapter to lay out: they would only slow it down), at most ``_WAIT_FOR_LOAD``."""
        if not self._released:
            self._released = True
            for _ in range(self.count - 1):
                self._warm_ups.put(self._warm_up)

    def done(self) -> None:
        """The build is over: workers still waiting for :meth:`loaded` end without importing."""
        if not self._released:
            self._released = True
            for _ in range(self.count - 1):
                self._warm_ups.put(_STOP)

    def close(self) -> None:
        self.done()
        self.pool.terminate()  # nothing when the Runner has closed and joined them
        self.pool.join()


@contextlib.contextmanager
def early_workers(workers: int | Workers | None, wanted: bool = True) -> Iterator[Workers | int | None]:
    """:class:`Workers` for a build that will lay out or merge a PDF (``wanted``) with more
    than one process, stopped at the end unless the Runner took them over; otherwise
    ``workers`` as given (a number: a Runner forks its workers when it needs them; workers
    already started: the caller's)."""
    if isinstance(workers, Workers):
        yield workers
        return
    count = workers if workers is not None else default_workers()
    started = Workers(count) if wanted and count > 1 else None
    try:
        yield started if started is not None else workers
    finally:
        if started is not None:
            started.close()


_PR_SET_PDEATHSIG = 1
_WAIT_FOR_LOAD = 5.0  # seconds a worker waits for Workers.loaded() before importing anyway
# What the first worker gets (_CHAIN: and passes on once it has imported); what waiting ones
# get from Workers.done().
_GO, _CHAIN, _STOP = "go", "chain", "stop"


class Runner:
    """Lays out batches of jobs; owns the worker processes for the length of one build (kept
    :class:`Workers` excepted)."""

    def __init__(self, cache: LayoutCache | None, known_fonts: frozenset[str],
                 workers: int | Workers | None = None, time_limit: float = 0.0) -> None:
        self.cache = cache
        self.time_limit = time_limit  # seconds per job; 0 = none
        self.known = known_fonts
        from .cache import hyphenation_folder  # imported by the build already

        self.hyphenation = hyphenation_folder(cache)
        self._pool: multiprocessing.pool.Pool | None = None
        self._started = workers if isinstance(workers, Workers) else None
        self._example: Job | None = None  # a chapter of this build, to warm kept workers with
        self.warm = self._started is not None  # started early: even one job goes to them
        if isinstance(workers, Workers):
            self.workers, self._pool = workers.count, workers.pool
        else:
            self.workers = workers if workers is not None else default_workers()
        self.laid_out = 0  # jobs laid out by this build
        self.reused = 0  # jobs taken from the cache

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if self._pool is not None:
            kept = self._started is not None and self._started.kept
            if kind is None and kept:  # the caller's, for its next build
                if self._example is not None:  # each lays out a chapter meanwhile: fonts loaded, caches warm
                    for _ in range(self.workers):
                        self._pool.apply_async(lay_out, (self._example, self.known, self.hyphenation))
                self._pool = None
                return
            if kind is None:
                if self._started is not None:
                    self._started.done()
                self._pool.close()
            else:  # an error or an interruption: the workers' jobs are no longer wanted
                self._pool.terminate()
                if self._started is not None:
                    self._started.broken = True
            self._pool.join()
            self._pool = None

    def _workers(self, first: Job | None) -> multiprocessing.pool.Pool:
        if self._pool is None:
            if first is not None:
                prepare(first)
            self._pool = _fork_context().Pool(self.workers, initializer=_worker_start, initargs=(os.getpid(),))
        return self._pool

    def run(self, jobs: Sequence[Job], tick: Tick | None = None) -> list[LaidOut]:
        return self.start(jobs, tick)()

    def start(self, jobs: Sequence[Job], tick: Tick | None = None) -> Callable[[], list[LaidOut]]:
        """Start laying out ``jobs``; the returned function waits for all of them. With workers,
        they run while the caller does something else; here, they run when it is called."""
        results: list[LaidOut | None] = [None] * len(jobs)
        if self._example is None:
            self._example = next((job for job in jobs if job.kind == "section"), None)
        early = self.warm and self.workers > 1
        running: list[tuple[int, AsyncResult]] = []
        # The jobs without an entry in the cache first: with workers started early, they are
        # handed over at once, before the entries of the others are read (a rebuild's chapter
        # is then laid out while this process reads the 200 others).
        keys = {n: self.cache.key(job) for n, job in enumerate(jobs)} if self.cache is not None else {}
        todo = [n for n in range(len(jobs)) if self.cache is None or not self.cache.has(keys[n])]
        absent = set(todo)
        if early and todo:
            running += self._dispatch(jobs, todo)
        for n, job in enumerate(jobs):
            if n in keys and n not in absent:
                cached = self.cache.get(job, keys[n])  # type: ignore[union-attr]
                if cached is None:  # damaged, or a file it read has changed
                    todo.append(n)
                    if early:
                        running += self._dispatch(jobs, [n])
                else:
                    results[n] = cached
                    self.reused += 1
        if len(todo) > 1 and self._started is not None:
            self._started.loaded()  # more than one job: the other workers are wanted
        done = len(jobs) - len(todo)
        if tick is not None:
            tick(done, len(jobs))
        if early and todo:
            laid = self._collect(jobs, running)
        elif len(todo) > 1 and self.workers > 1:
            laid = self._collect(jobs, self._dispatch(jobs, todo))
        else:
            laid = ((n, self._here(jobs[n])) for n in todo)

        def wait() -> list[LaidOut]:
            nonlocal done
            for n, result in laid:
                results[n] = self._keep(jobs[n], result)
                done += 1
                if tick is not None:
                    tick(done, len(jobs))
            return [r for r in results if r is not None]

        return wait

    def _dispatch(self, jobs: Sequence[Job], numbers: list[int]) -> list[tuple[int, AsyncResult]]:
        pool = self._workers(jobs[numbers[0]])
        return [(n, pool.apply_async(lay_out, (jobs[n], self.known, self.hyphenation))) for n in numbers]

    def _here(self, job: Job) -> LaidOut:
        load(f"{__package__}.layout")  # WeasyPrint imported before the job's time limit starts
        with _alarm(self.time_limit, job):
            try:
                return lay_out(job, self.known, self.hyphenation)
            except (LayoutTimeout, KeyboardInterrupt, MemoryError):
                raise
            except Exception as exc:  # a layout engine's failure on this input: named, not a traceback
                raise LayoutFailed(job, exc) from exc

    def _collect(self, jobs: Sequence[Job], running: list[tuple[int, AsyncResult]]) -> Iterator[tuple[int, LaidOut]]:
        """Results in the order they finish; a job past the time limit stops the batch. The
        limit counts from when a worker could have started the job (two at a time)."""
        pending = dict(running)
        started = {n: time.monotonic() for n in list(pending)[:self.workers]}
        while pending:
            for n, result in list(pending.items()):
                if result.ready():
                    del pending[n]
                    queued = [m for m in pending if m not in started]
                    if queued:
                        started[queued[0]] = time.monotonic()
                    try:
                        laid = result.get()
                    except MemoryError:
                        raise
                    except Exception as exc:
                        raise LayoutFailed(jobs[n], exc) from exc
                    yield n, laid
                    break
                if self.time_limit and n in started and time.monotonic() - started[n] > self.time_limit:
                    raise LayoutTimeout(jobs[n], self.time_limit)
            else:
                next(iter(pending.values())).wait(0.05)

    def start_call(self, function: Callable[..., T], *args: object) -> Callable[[], T]:
        """Start ``function(*args)`` in a worker process when this build has workers; the
        returned function waits for its result (without workers, it runs it then, here)."""
        if self.workers > 1:
            return self._workers(None).apply_async(function, args).get
        return partial(function, *args)

    def _keep(self, job: Job, result: LaidOut) -> LaidOut:
        self.laid_out += 1
        if self.cache is not None:
            self.cache.put(job, result)
        return result
