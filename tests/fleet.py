"""A fleet on this machine: web replicas and workers on one fresh PostgreSQL database, moto S3 and the local fal
server, behind HAProxy with cookie-sticky sessions, as issue 21 deploys Atelier. For the fleet test and
bench/load.py.

    with running_fleet(tmp_path) as fleet:      # two replicas, two workers, HAProxy
        page.goto(fleet.url)
        fleet.kill("a"); fleet.kill("worker-a")  # SIGKILL, no goodbye

Everything listens on 127.0.0.1 at free ports. The processes are started together and then waited on (health
checks), so a fleet is up in about the time one Streamlit takes. Whatever happens, every process is stopped and the
database dropped on the way out.
"""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from db.schema import migrate
from tests.e2e.server import MEDIA_SECRET, ROOT, free_port, stop
from tests.fal_server import FalServer, Scenario
from tests.fal_support import FAL_KEY
from tests.migrated_db import POSTGRES_ADMIN_URL, scratch_postgres
from tests.s3_server import ACCESS_KEY, REGION, SECRET_KEY, S3Server
from tests.waiting import wait_until

HAPROXY = "/usr/sbin/haproxy"
STARTUP_SECONDS = 60
COOKIE_SECRET = "fleet-cookie-secret-0123456789abcdef0123"
# Short leases: a job whose worker died is taken up by another within seconds, not the default 30.
LEASE_SECONDS = 3


@dataclass
class Member:
    """One process of the fleet: a web replica (with its own URL), a worker, or HAProxy."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    url: str = ""

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self, last_chars: int = 8_000) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else "(no log)"
        return text[-last_chars:]


@dataclass
class Fleet:
    url: str  # HAProxy's address: what a browser uses
    database_url: str
    fal: FalServer
    s3: S3Server
    bucket: str
    env: dict[str, str]  # the settings every member shares
    members: dict[str, Member] = field(default_factory=dict)

    @property
    def replicas(self) -> list[Member]:
        return [m for m in self.members.values() if m.url]

    def member(self, name: str) -> Member:
        return self.members[name]

    def kill(self, name: str) -> None:
        """SIGKILL one member and reap it: no shutdown hook runs, as when a machine dies."""
        member = self.members[name]
        member.process.send_signal(signal.SIGKILL)
        member.process.wait(timeout=10)

    def logs(self) -> str:
        """Every member's log tail, for a failure report."""
        return "\n".join(f"===== {m.name} =====\n{m.log()}" for m in self.members.values())


def jobs_by_prompt(database_url: str, prompts: list[str]) -> dict[str, tuple[str, str | None]]:
    """The status and fal request id of each job whose prompt is one of `prompts` (read in the fleet's database
    from outside it, as an operator would); a prompt with no job yet is left out."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT prompt, status, provider_request_id FROM generations WHERE prompt = ANY(:p)"),
                {"p": prompts},
            ).all()
    finally:
        engine.dispose()
    return {prompt: (status, request_id) for prompt, status, request_id in rows}


def fleet_settings(database_url: str, fal: FalServer, s3: S3Server, bucket: str) -> dict[str, str]:
    """The settings every replica and worker shares: one database, one bucket, one set of secrets."""
    encryption_key = base64.b64encode(os.urandom(32)).decode()
    return {
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "MEDIA_SECRET": MEDIA_SECRET,
        "ENCRYPTION_KEYS": f"fleet:{encryption_key}",
        "IMAGE_ENGINE": "fal",
        "FAL_KEY": FAL_KEY,
        "FAL_QUEUE_URL": fal.queue_url,
        "FAL_API_URL": fal.url + "/api",
        "BLOB_STORE": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": s3.url,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "S3_ADDRESSING": "path",
        "AUTH_MODE": "local",
        "STARTER_CREDITS": "500",
        "WORKER_IN_PROCESS": "false",
        "WORKER_INTERVAL_SECONDS": "0.5",
        "JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "STREAMLIT_SERVER_COOKIE_SECRET": COOKIE_SECRET,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "PYTHONUNBUFFERED": "1",
    }


@contextlib.contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new PostgreSQL database migrated to head (as `make migrate` would, once, before any replica starts)."""
    with scratch_postgres(POSTGRES_ADMIN_URL, "atelier_fleet") as url:
        migrate(url)
        yield url


def haproxy_config(port: int, replicas: dict[str, int]) -> str:
    """Round robin over the replicas, pinned by an SRV cookie HAProxy sets (the Streamlit websocket must stay on the
    replica that holds its session); a replica failing its health check twice (0.5 s apart) gets no new requests,
    and a browser pinned to it is sent to another. Websockets may stay open for an hour."""
    servers = "\n".join(
        f"    server {name} 127.0.0.1:{replica_port} cookie {name} check" for name, replica_port in replicas.items()
    )
    return f"""global
    maxconn 2000

defaults
    mode http
    option redispatch
    retries 2
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    timeout http-keep-alive 5s

frontend web
    bind 127.0.0.1:{port}
    default_backend replicas

backend replicas
    balance roundrobin
    cookie SRV insert indirect nocache
    option httpchk
    http-check send meth GET uri /_stcore/health ver HTTP/1.1 hdr Host 127.0.0.1
    default-server inter 500ms fall 2 rise 1
{servers}
"""


class _Starter:
    """Starts members, each registered for stopping the moment it exists."""

    def __init__(self, work_dir: Path, stack: contextlib.ExitStack, env: dict[str, str]) -> None:
        self.work_dir, self.stack, self.env = work_dir, stack, env

    def start(self, name: str, command: list[str], extra_env: dict[str, str] | None = None, url: str = "") -> Member:
        data_dir = self.work_dir / name  # each its own disk: nothing may depend on another's files
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env, "DATA_DIR": str(data_dir), **(extra_env or {})}
        log_path = data_dir / "process.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        self.stack.callback(stop, process)
        return Member(name, process, log_path, url)


def streamlit_command(port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "streamlit", "run", "app.py"),
        *("--server.address", "127.0.0.1", "--server.port", str(port)),
        *("--server.headless", "true", "--server.fileWatcherType", "none"),
    ]


def healthy(member: Member, url: str) -> bool:
    """Whether `url` answers 200; a member that exited fails at once, with its log."""
    if not member.alive:
        raise RuntimeError(f"{member.name} exited with code {member.process.returncode}:\n{member.log()}")
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(url, timeout=1).status_code == 200
    return False


def wait_until_up(members: list[Member]) -> None:
    """Until every replica answers its health check and every worker is still running."""
    for member in members:
        if member.url:
            wait_until(
                lambda m=member: healthy(m, f"{m.url}/_stcore/health"),  # type: ignore[misc]
                timeout=STARTUP_SECONDS,
                what=lambda m=member: f"{m.name} was healthy:\n{m.log()}",  # type: ignore[misc]
            )
        elif not member.alive:
            raise RuntimeError(f"{member.name} exited with code {member.process.returncode}:\n{member.log()}")


@contextlib.contextmanager
def running_fleet(
    work_dir: Path,
    *,
    replicas: int = 2,
    workers: int = 2,
    worker_in_process: bool = False,
    scenario: Scenario | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Fleet]:
    """`replicas` web replicas (named a, b, ...) and `workers` workers (worker-a, ...) behind HAProxy (member
    "haproxy"), on a fresh PostgreSQL database, a fresh bucket in moto S3 and the local fal server (`scenario`:
    its default job; by default two 0.2 s steps). `worker_in_process` puts a worker inside each web replica too
    (one process does everything, as `make run` does). `extra_env` is applied last, over the shared settings."""
    names = "abcdefghij"
    work_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        fal = stack.enter_context(FalServer())
        fal.set_default(scenario or Scenario(queue_positions=[0], progress_logs=[["Generating"]], step_seconds=0.2))
        s3 = stack.enter_context(S3Server())
        bucket = s3.new_bucket()
        database_url = stack.enter_context(fresh_postgres())
        env = fleet_settings(database_url, fal, s3, bucket) | (extra_env or {})
        env["WORKER_IN_PROCESS"] = "true" if worker_in_process else "false"
        secrets = work_dir / "secrets.toml"  # the [auth] cookie secret, the same on every replica
        secrets.write_text(f'[auth]\ncookie_secret = "{COOKIE_SECRET}"\n')
        env["STREAMLIT_SECRETS_FILES"] = str(secrets)
        fleet = Fleet("", database_url, fal, s3, bucket, env)
        starter = _Starter(work_dir, stack, env)
        ports: dict[str, int] = {}
        for name in names[:replicas]:
            ports[name] = free_port()
            fleet.members[name] = starter.start(
                name, streamlit_command(ports[name]), url=f"http://127.0.0.1:{ports[name]}"
            )
        for name in names[:workers]:
            worker = f"worker-{name}"
            fleet.members[worker] = starter.start(worker, [sys.executable, "-m", "core.worker"])
        lb_port = free_port()
        config = work_dir / "haproxy.cfg"
        config.write_text(haproxy_config(lb_port, ports))
        haproxy = starter.start("haproxy", [HAPROXY, "-db", "-f", str(config)])
        fleet.members["haproxy"] = haproxy
        fleet.url = f"http://127.0.0.1:{lb_port}"
        wait_until_up(list(fleet.members.values()))
        wait_until(
            lambda: healthy(haproxy, f"{fleet.url}/_stcore/health"),
            timeout=STARTUP_SECONDS,
            what=lambda: f"HAProxy answered:\n{haproxy.log()}",
        )
        yield fleet
