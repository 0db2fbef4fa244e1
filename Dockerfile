# One image for every Atelier process; the command chooses which (deploy/compose.yaml):
#   web      streamlit run app.py … (the default below)
#   worker   python -m core.worker
#   migrate  alembic upgrade head   (run once per release, before the others start)
# No secret is baked in: settings come from the environment and secrets.toml from a mounted file at run time.
# Pinned by version; pin the digest too where you build (docker buildx imagetools inspect python:3.11.13-slim-bookworm).
FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/app/data

WORKDIR /app

# Dependencies first, in their own layer, so a code change does not reinstall them. Every version is pinned in
# requirements.txt; the wheels (psycopg's binary, Pillow, cryptography) need no compiler.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

# The app's code belongs to root and is read-only to the user that runs it; only DATA_DIR is the app's to write
# (in production it holds nothing durable: the database is PostgreSQL and blobs are in S3).
RUN groupadd --system --gid 10001 atelier \
    && useradd --system --uid 10001 --gid atelier --create-home --home-dir /home/atelier --shell /usr/sbin/nologin atelier \
    && mkdir -p /app/data \
    && chown atelier:atelier /app/data \
    && chmod 0700 /app/data
COPY . .

# Numeric, so an orchestrator's "run as non-root" check can verify it without reading /etc/passwd.
USER 10001:10001

EXPOSE 8501

# Liveness only (the process answers); readiness (/readyz: database, blob store, schema at head) is the load
# balancer's probe. The slim image has no curl: Python's own client does the request.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/healthz', timeout=4)"]

CMD ["streamlit", "run", "app.py", "--server.port", "8501", "--server.address", "0.0.0.0", "--server.headless", "true", "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
