"""The service with one extra route that takes a known time, for the graceful-shutdown test."""

import time

from app.main import app

SLOW_SECONDS = 2.0


@app.get("/test-only/slow", tags=["test"])
def read_slow() -> dict[str, float]:
    """Sleeps SLOW_SECONDS, standing in for a long plot or analysis."""
    time.sleep(SLOW_SECONDS)
    return {"slept": SLOW_SECONDS}
