# The service in a container: docker build -t activation-service . && docker run -p 8000:8000 activation-service
FROM python:3.14-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=33554432 \
    MALLOC_TRIM_THRESHOLD_=67108864 \
    WEB_CONCURRENCY=2

WORKDIR /srv

# The runtime dependencies, read from pyproject.toml, in a layer of their own: it is rebuilt
# only when pyproject.toml changes, not on every change to the code.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The code, installed the way `make run` installs it (pip install .), without touching the dependencies.
COPY README.md ./
COPY app ./app
RUN pip install --no-deps . \
    && groupadd --system --gid 10001 service \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin service

USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# uvicorn takes its worker count from WEB_CONCURRENCY (docker run -e WEB_CONCURRENCY=4 ...).
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
