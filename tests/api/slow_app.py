"""The service with one extra route that takes a known time, for the graceful-shutdown test.

Importing it adds the route to the service's app: only the server subprocess of that test does.
"""

import os
import time
from pathlib import Path

from app.main import app

from .slow_route import SLOW_SECONDS, STARTED_FILE_ENV


@app.get("/test-only/slow", tags=["test"])
def read_slow() -> dict[str, float]:
    """Sleeps SLOW_SECONDS, standing in for a long plot or analysis."""
    started = os.environ.get(STARTED_FILE_ENV)
    if started:
        Path(started).write_text(str(os.getpid()))
    time.sleep(SLOW_SECONDS)
    return {"slept": SLOW_SECONDS}
