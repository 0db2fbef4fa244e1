"""Start a fresh Atelier server (temp data dir, migrated SQLite, known secret) and Debian chromium, for e2e tests and screenshots."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Playwright

from tests.migrated_db import migrated_sqlite
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# Offline-safe flags (reference/streamlit.md 3.5); `playwright install` is never used here.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MEDIA_SECRET = "e2e-media-secret-0123456789abcdef"
STARTUP_SECONDS = 60


@dataclass(frozen=True)
class RunningServer:
    url: str
    data_dir: Path
    database_url: str
    media_secret: bytes
    log_path: Path
    process: subprocess.Popen[bytes]

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def log(self, last_chars: int = 20_000) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else "(no log)"
        return text[-last_chars:]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(
    data_dir: Path,
    *,
    engine_delay_seconds: float = 1.0,
    starter_credits: int = 20,
    app_env: str = "test",
    auth_mode: str = "local",
    secrets_file: Path | None = None,
    extra_env: dict[str, str] | None = None,
    port: int | None = None,
    log_name: str = "server.log",
) -> Iterator[RunningServer]:
    """`streamlit run app.py` on a free port over a new, migrated database; stopped on exit, even after a failure.

    A new database is a copy of the run's migrated template; an existing data dir is kept (migrated again, a
    no-op), so a second server can take over from a first.
    `secrets_file` becomes STREAMLIT_SECRETS_FILES (Streamlit's `[auth]` and the app's settings read it);
    `extra_env` is applied last, over everything else; `log_name` names the log file in the data dir.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    database_url = migrated_sqlite(data_dir / "atelier.db")
    port = port or free_port()
    env = {
        **os.environ,
        # Set every key explicitly, so a developer's .env or secrets.toml cannot leak into the run.
        "APP_ENV": app_env,
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "MEDIA_SECRET": MEDIA_SECRET,
        "IMAGE_ENGINE": "offline",
        "BLOB_STORE": "local",
        "AUTH_MODE": auth_mode,
        "STARTER_CREDITS": str(starter_credits),
        "CREDITS_PER_IMAGE": "1",
        "OFFLINE_ENGINE_DELAY_SECONDS": str(engine_delay_seconds),
        "WORKER_INTERVAL_SECONDS": "0.5",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "PYTHONUNBUFFERED": "1",
    }
    if secrets_file is not None:
        env["STREAMLIT_SECRETS_FILES"] = str(secrets_file)
    env.update(extra_env or {})
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        # No hot reload: a source file saved during the run would evict the app's modules, and the
        # re-import fails ("Table 'users' is already defined"), so edits elsewhere must not break the run.
        "--server.fileWatcherType",
        "none",
    ]
    log_path = data_dir / log_name
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    server = RunningServer(f"http://127.0.0.1:{port}", data_dir, database_url, MEDIA_SECRET.encode(), log_path, process)
    try:
        wait_until_healthy(server.url, process, server.log)
        yield server
    finally:
        stop(process)


@contextlib.contextmanager
def running_script(script: Path, work_dir: Path) -> Iterator[str]:
    """`streamlit run` a probe script on a free port, from the project root so `pages` imports and the theme
    applies; yields its URL, and stops it afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = work_dir / "streamlit.log"
    python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": python_path, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", "127.0.0.1"]
    command += ["--server.port", str(port), "--server.headless", "true", "--server.fileWatcherType", "none"]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        wait_until_healthy(url, process, log_path.read_text)
        yield url
    finally:
        stop(process)


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Callable[[], str]) -> None:
    """Until Streamlit's health check answers; a server that exits or never answers fails with its log."""

    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"The server exited with code {process.returncode}:\n{log()}")
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200
        return False

    wait_until(healthy, timeout=STARTUP_SECONDS, what=lambda: f"the server at {url} was healthy:\n{log()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
