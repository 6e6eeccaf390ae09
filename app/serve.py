"""``python -m app.serve [APP] [uvicorn's options]``: the service under uvicorn, as it should be run.

``APP`` is ``app.main:app`` unless another is named first (the benchmarks serve the service with routes
of their own).

Before uvicorn starts any worker it

- creates and empties the metrics directory, ``$PROMETHEUS_MULTIPROC_DIR`` or else a new one
  under the system's temporary directory (removed again at exit), so that /metrics sums the
  workers of this run only (``app/web/metrics.py``);
- hands uvicorn the logging configuration of ``ACT_LOG_FORMAT`` and ``ACT_LOG_LEVEL``
  (``app/web/logs.py``), unless ``--log-config`` is given;
- turns uvicorn's access log off while the service logs every request itself
  (``ACT_REQUEST_TELEMETRY``), unless ``--access-log`` is given.

Every other option is uvicorn's own: ``--host``, ``--port``, ``--workers``, ``--proxy-headers``,
``--forwarded-allow-ips``, ``--root-path``, ``--timeout-graceful-shutdown`` and the rest.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

APP = "app.main:app"
# prometheus-client's own variable; read when it is first imported, so it is set before anything imports it.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def metrics_dir() -> tuple[Path, bool]:
    """The metrics directory, created and emptied of a previous run's files, and whether it was made here."""
    given = os.environ.get(MULTIPROC_ENV)
    if not given:
        return Path(tempfile.mkdtemp(prefix="act-metrics-")), True
    directory = Path(given)
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.glob("*.db"):
        path.unlink()
    return directory, False


def _given(args: Sequence[str], *options: str) -> bool:
    return any(arg == option or arg.startswith(option + "=") for arg in args for option in options)


def uvicorn_args(args: Sequence[str], directory: Path) -> list[str]:
    """uvicorn's command line: the app, the logging set up here unless the caller chose otherwise, then ``args``."""
    from app.config import settings
    from app.web.logs import logging_config

    app = APP
    if args and not args[0].startswith("-"):
        app, args = args[0], args[1:]
    extra = [app]
    if not _given(args, "--log-config"):
        config = directory / "logging.json"
        config.write_text(json.dumps(logging_config(settings.LOG_FORMAT, settings.LOG_LEVEL)))
        extra += ["--log-config", str(config)]
    if settings.REQUEST_TELEMETRY and not _given(args, "--access-log", "--no-access-log"):
        extra.append("--no-access-log")
    return [*extra, *args]


def _exit_on(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> None:
    directory, made_here = metrics_dir()
    os.environ[MULTIPROC_ENV] = str(directory)
    import uvicorn.main

    # uvicorn hands a SIGTERM back to the handler it found once it has shut down: exit through the
    # ``finally`` below then, rather than being killed by the signal.
    signal.signal(signal.SIGTERM, _exit_on)

    try:
        uvicorn.main.main(args=uvicorn_args(sys.argv[1:] if argv is None else argv, directory), prog_name="app.serve")
    finally:
        if made_here:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
