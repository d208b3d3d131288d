"""The engine: the same numbers on serial, processes and Dask; clear errors for bad setups.

Chunk sizes are lowered so a few hundred units make several DEA tasks per period (each
still large enough for the dual-guided pilot start) and 30 replications several
bootstrap tasks.
"""

from __future__ import annotations

import importlib
import math
from functools import cache, partial

import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster

from healthalloc import engine as engine_module
from healthalloc.cli import main
from healthalloc.efficiency import dea, dea_bootstrap, malmquist
from healthalloc.engine import SerialExecutor, get_executor

dea_module = importlib.import_module("healthalloc.efficiency.dea")  # not the function
bootstrap_module = importlib.import_module("healthalloc.efficiency.bootstrap")
INPUTS, OUTPUTS = ["x1", "x2"], ["y1", "y2"]


@pytest.fixture(scope="module", autouse=True)
def small_chunks():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dea_module, "UNITS_PER_TASK", 120)
        mp.setattr(bootstrap_module, "REPLICATIONS_PER_TASK", 7)
        yield


@pytest.fixture(scope="module")
def threads_cluster():
    """A Dask LocalCluster of two single-threaded workers in this process."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def panel(n: int = 300, T: int = 2, seed: int = 5) -> pd.DataFrame:
    """n units over T years; two inputs, two outputs with inefficiency and ties in x."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(1, 10, (T * n, 2)).round(1)  # rounded: ties, so λ has several optima
    Y = np.c_[np.sqrt(X.prod(axis=1)), X[:, 0]] * np.exp(-np.abs(rng.normal(0, 0.3, (T * n, 2))))
    df = pd.DataFrame(np.c_[X, Y], columns=INPUTS + OUTPUTS)
    return df.assign(unit=[f"u{i % n}" for i in range(T * n)],
                     year=np.repeat(2020 + np.arange(T), n))


def analyses(engine="serial", **kw) -> dict:
    """VRS DEA with slacks, peers and scale efficiency on a panel; a seeded bootstrap;
    Malmquist — all on one executor."""
    df = panel()
    with get_executor(engine, **kw) as ex:
        res = dea(df, INPUTS, OUTPUTS, unit="unit", by="year", rts="vrs", engine=ex)
        boot = dea_bootstrap(df[df.year == 2020].head(80), INPUTS, OUTPUTS, unit="unit",
                             rts="vrs", n_boot=30, seed=3, engine=ex)
        malm = malmquist(df, INPUTS, OUTPUTS, unit="unit", by="year", engine=ex)
    return {"dea": res.to_frame(), "peers": res.peers, "bootstrap": boot.to_frame(),
            "replicates": pd.DataFrame(boot.replicates), "malmquist": malm.indices,
            "distances": malm.distances}


class Recording(SerialExecutor):
    """The serial engine, remembering how many tasks each call made."""

    def __init__(self):
        self.sizes = []

    def map(self, func, tasks, *, done=None):
        self.sizes.append(len(tasks))
        return super().map(func, tasks, done=done)


@cache
def serial() -> tuple[dict, list[int]]:
    """The serial results, and the number of tasks of each map call."""
    rec = Recording()
    return analyses(rec), rec.sizes


def assert_identical(got: dict) -> None:
    for name, table in serial()[0].items():
        pd.testing.assert_frame_equal(got[name], table, check_exact=True, obj=name)


def test_work_is_split_into_fixed_chunks(monkeypatch):
    """2 periods × 3 chunks of DEA units (plus the bootstrap's own DEA), 5 chunks of
    replications, 2T Malmquist families; chunked scores equal unchunked ones."""
    tables, sizes = serial()
    assert sizes == [6, 1, 5, 4]
    monkeypatch.setattr(dea_module, "UNITS_PER_TASK", 10_000)
    whole = dea(panel(), INPUTS, OUTPUTS, unit="unit", by="year", rts="vrs").to_frame()
    cols = ["efficiency", "crs_efficiency", "target_x1", "target_y2"]
    pd.testing.assert_frame_equal(tables["dea"][cols], whole[cols], atol=1e-6)


def test_processes_give_identical_results():
    assert_identical(analyses("processes", workers=2))


def test_dask_threads_cluster_gives_identical_results(threads_cluster):
    assert_identical(analyses("dask", scheduler=threads_cluster))


def test_dask_local_cluster_of_processes_gives_identical_results():
    assert_identical(analyses("dask", workers=2))


@pytest.mark.parametrize("engine", ["serial", "processes", "dask"])
def test_map_keeps_task_order_reports_each_task_and_raises(engine, threads_cluster):
    kw = {"workers": 2} if engine == "processes" else {}
    kw |= {"scheduler": threads_cluster} if engine == "dask" else {}
    finished = []
    with get_executor(engine, **kw) as ex:
        assert ex.map(partial(pow, 2), range(7), done=finished.append) == [2**i for i in range(7)]
        assert sorted(finished) == list(range(7))
        with pytest.raises(ValueError, match="math domain error"):
            ex.map(math.sqrt, [4.0, -1.0, 9.0])


def test_existing_dask_client_is_reused(threads_cluster):
    with Client(threads_cluster) as client, get_executor("dask") as ex:
        assert ex.client is client


def test_progress_bar_advances_per_chunk_on_worker_engines(capsys, threads_cluster):
    df = panel(n=60, T=1)
    for kw in ({"engine": "processes", "workers": 2},
               {"engine": "dask", "scheduler": threads_cluster}):
        dea_bootstrap(df, INPUTS, OUTPUTS, unit="unit", n_boot=30, seed=1, progress=True, **kw)
        assert "30/30" in capsys.readouterr().err
        dea_bootstrap(df, INPUTS, OUTPUTS, unit="unit", n_boot=30, seed=1, **kw)
        assert capsys.readouterr().err == ""


def test_super_efficiency_warning_names_units_on_worker_engines():
    df = pd.DataFrame({"unit": ["a", "b", "c"], "x": [1.0, 2.0, 3.0], "y": [1.0, 2.5, 3.0]})
    with pytest.warns(RuntimeWarning, match="infeasible .* unit c"):
        res = dea(df, ["x"], ["y"], unit="unit", rts="vrs", model="super", engine="processes",
                  workers=2)
    assert res.efficiency.isna().tolist() == [False, False, True]


@pytest.mark.parametrize("kwargs, message", [
    ({"engine": "gpu"}, "engine must be one of"),
    ({"engine": "processes", "scheduler": "tcp://127.0.0.1:8786"}, "needs engine='dask'"),
    ({"engine": "processes", "workers": 0}, "workers"),
    ({"engine": "serial", "workers": 1.5}, "workers"),
    ({"engine": SerialExecutor(), "workers": 2}, "Executor"),
])
def test_bad_engine_settings(kwargs, message):
    with pytest.raises(ValueError, match=message), get_executor(**kwargs):
        pass
    df = panel(n=10, T=1)
    with pytest.raises(ValueError, match=message):
        dea(df, INPUTS, OUTPUTS, unit="unit", **kwargs)


def test_unreachable_scheduler_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(engine_module, "CONNECT_TIMEOUT", 1)
    with pytest.raises(ValueError, match="cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'"):
        with get_executor("dask", scheduler="tcp://127.0.0.1:9"):
            pass


@pytest.mark.parametrize("address", ["notanaddress", "tcp://host-without-port", "tls://10.0.0.5"])
def test_a_scheduler_address_without_host_and_port_is_refused_at_once(address):
    with pytest.raises(ValueError, match=rf"{address!r} is not the address of a Dask scheduler \(missing port"):
        with get_executor("dask", scheduler=address):
            pass


def test_cli_engine_options(tmp_path, threads_cluster, monkeypatch, capsys):
    df = panel(n=200)
    path = tmp_path / "panel.csv"
    df.to_csv(path, index=False)
    common = ["--inputs", "x1,x2", "--outputs", "y1,y2", "--unit", "unit"]
    for name, engine in [("serial", []), ("processes", ["--engine", "processes", "--workers", "2"]),
                         ("dask", ["--engine", "dask", "--scheduler", threads_cluster])]:
        assert main(["dea", str(path), *common, "--by", "year", "--rts", "vrs", *engine,
                     "-o", str(tmp_path / f"dea_{name}.csv")]) == 0
        assert main(["malmquist", str(path), *common, "--period", "year", *engine,
                     "-o", str(tmp_path / f"malmquist_{name}.csv")]) == 0
    for name in ("processes", "dask"):
        for kind in ("dea", "malmquist"):
            assert (tmp_path / f"{kind}_{name}.csv").read_text() == \
                (tmp_path / f"{kind}_serial.csv").read_text()
    monkeypatch.setattr(engine_module, "CONNECT_TIMEOUT", 1)
    capsys.readouterr()
    unreachable = ["--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"]
    assert main(["dea", str(path), *common, *unreachable]) == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert "--scheduler ADDRESS" in _help(["dea", "--help"], capsys)
    assert "--workers N" in _help(["malmquist", "--help"], capsys)


def _help(argv, capsys) -> str:
    with pytest.raises(SystemExit):
        main(argv)
    return capsys.readouterr().out


def test_more_local_workers_than_the_machine_can_hold_are_capped_with_a_warning(monkeypatch):
    monkeypatch.setattr(engine_module.os, "cpu_count", lambda: 2)
    with pytest.warns(UserWarning, match=r"100000 local worker processes on 2 core\(s\) .* using 8"):
        with get_executor("processes", workers=100_000) as ex:
            assert ex.map(abs, [-1, -2]) == [1, 2]
