# The service in a container: docker build -t activation-service . && docker run -p 8000:8000 activation-service
# The Python the tests run on, and the one requirements.lock was compiled for.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    PROMETHEUS_MULTIPROC_DIR=/tmp/metrics \
    ACT_LOG_FORMAT=json \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=33554432 \
    MALLOC_TRIM_THRESHOLD_=67108864 \
    WEB_CONCURRENCY=2

WORKDIR /srv

# The runtime dependencies, pinned with their hashes (make lock), in a layer of their own: it is
# rebuilt only when the lock changes, not on every change to the code.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

# The code, installed the way `make run` installs it (pip install .), without touching the dependencies.
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-deps . \
    && groupadd --system --gid 10001 service \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin service

USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/livez', timeout=4)"]

# app.serve prepares the metrics directory, then runs uvicorn with WEB_CONCURRENCY workers
# (docker run -e WEB_CONCURRENCY=4 ...).
CMD ["python", "-m", "app.serve", "--host", "0.0.0.0", "--port", "8000"]
