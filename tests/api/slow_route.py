"""What tests/api/slow_app.py's slow route does, importable without adding the route to the app."""

SLOW_SECONDS = 2.0
# Where the route tells the test it has started (written before it sleeps), so that the test
# waits for the request to be in flight instead of guessing how long that takes.
STARTED_FILE_ENV = "SLOW_STARTED_FILE"
