"""One SparkSession per process, from the config's ``[spark]`` table.

Spark's JVM takes seconds to start, so the session is made once and kept (a test
session shares it); its log is quiet (errors only) and its console progress bar off.
Timestamps are Spark's ``TIMESTAMP_NTZ`` (wall-clock, as the ledgers and DuckDB's
``TIMESTAMP`` are), so no time zone ever shifts a ledger's time.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from pathlib import Path

from pipelines.settings import config

_LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
_lock = threading.Lock()
_session = None


def spark():
    """The process's SparkSession (started on first use)."""
    global _session
    with _lock:
        if _session is None:
            _session = _start()
        return _session


def _start():
    # executors run the staging code: the same interpreter (and so the same installed
    # packages) as the driver, unless the cluster says otherwise
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    settings = config().spark
    java_options = f"-Dlog4j2.configurationFile={_LOG_CONFIG.as_uri()}"
    builder = (
        SparkSession.builder.master(settings.master)
        .appName("wenming-build")
        .config("spark.driver.memory", settings.driver_memory)
        .config("spark.executor.memory", settings.executor_memory)
        .config("spark.driver.extraJavaOptions", java_options)
        .config("spark.executor.extraJavaOptions", java_options)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(settings.shuffle_partitions))
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.maxPlanStringLength", "20000")
        .config("spark.sql.autoBroadcastJoinThreshold", str(64 << 20))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.sql.sources.partitionOverwriteMode", "static")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    if settings.master.startswith("local"):
        # on one machine's small data, compiling each query's generated code costs more
        # than it saves (seconds a query on a busy machine)
        builder = builder.config("spark.sql.codegen.wholeStage", "false")
    with warnings.catch_warnings():
        # pyspark 4.x warns that it does not yet support pandas 3 (we hand it Arrow only)
        warnings.filterwarnings("ignore", category=FutureWarning, module="pyspark")
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def stop() -> None:
    """Stop the process's session and its JVM (the next ``spark()`` starts both again):
    a long-lived process (a test run) gets the JVM's memory back."""
    global _session
    with _lock:
        if _session is None:
            return
        from pyspark import SparkContext

        _session.stop()
        _session = None
        gateway = SparkContext._gateway
        if gateway is not None:
            SparkContext._gateway = None
            SparkContext._jvm = None
            gateway.shutdown()
            process = getattr(gateway, "proc", None)
            if process is not None:
                process.terminate()
                process.wait(timeout=60)
