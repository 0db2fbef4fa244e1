"""The deployment files, checked without containers (this machine runs none): deploy/compose.yaml parses, each app
service's environment plus the committed templates builds production Settings that validate, every command exists,
the ports and dependencies agree, the image runs as a user other than root, and no real env file is committed."""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import secrets
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr, ValidationError

from core.settings import Settings
from core.web.health_routes import LIVENESS_PATH, READINESS_PATH

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
APP_IMAGE = "atelier:local"
APP_SERVICES = sorted(name for name, s in SERVICES.items() if s.get("image") == APP_IMAGE)
WEB_SERVICES = sorted(name for name in APP_SERVICES if name.startswith("web"))
DOCKERFILE = (ROOT / "Dockerfile").read_text()
CADDYFILE = (DEPLOY / "Caddyfile").read_text()
SECRET_FIELDS = {name.upper() for name, f in Settings.model_fields.items() if f.annotation is SecretStr}
VARIABLE = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")


def read_env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line.strip() and line[0] != "#")
    return {key.strip(): value.strip() for key, value in pairs}


def stand_in(key: str) -> str:
    """What an operator would type for an empty value: a fresh random secret of the shape its setting takes."""
    if key == "ENCRYPTION_KEYS":
        return "k1:" + base64.b64encode(os.urandom(32)).decode()
    shapes = {"ATELIER_DOMAIN": "atelier.example.com", "SMTP_HOST": "smtp.example.com"}
    if key in shapes:
        return shapes[key]
    return "ops@example.com" if key.endswith(("EMAIL", "EMAILS")) else secrets.token_hex(32)


def filled(values: dict[str, str]) -> dict[str, str]:
    return {key: value or stand_in(key) for key, value in values.items()}


SITE = filled(read_env_file(DEPLOY / "site.env.example"))  # deploy/.env: what compose.yaml's ${…} are filled from


def interpolate(value: str) -> str:
    """Compose's own rules for the forms compose.yaml uses: ${X}, ${X:?message}, ${X:-default}, and $$ for $."""

    def one(match: re.Match[str]) -> str:
        name, kind, default = match.groups()
        if name in SITE:
            return SITE[name]
        assert kind == "-", f"${{{name}}} is required by compose.yaml but deploy/site.env.example does not list it"
        return default

    return VARIABLE.sub(one, value.replace("$$", "\0")).replace("\0", "$")


def environment_of(service: str) -> dict[str, str]:
    """What the container's process sees: its env files, then its `environment` over them (compose's order)."""
    spec = SERVICES[service]
    env: dict[str, str] = {}
    for name in spec.get("env_file", []):
        assert name == ".env.production", name
        env |= filled(read_env_file(DEPLOY / "env.example"))
    env |= {key: interpolate(str(value)) for key, value in spec.get("environment", {}).items()}
    return env


def command_of(service: str) -> list[str]:
    command = SERVICES[service].get("command")
    return command if command is not None else dockerfile_cmd()


def dockerfile_cmd() -> list[str]:
    (line,) = [line for line in DOCKERFILE.splitlines() if line.startswith("CMD ")]
    return list(yaml.safe_load(line.removeprefix("CMD ")))


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_app_service_starts_in_production_with_the_templates_filled_in(
    service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Production's own refusal (core/settings.py) is the list of what is required: drop MEDIA_SECRET from
    deploy/env.example, or the S3 bucket from compose.yaml, and this fails with production's message."""
    env = environment_of(service)
    assert env["APP_ENV"] == "production"
    known = {name.upper() for name in Settings.model_fields} | {"STREAMLIT_SECRETS_FILES"}
    assert sorted(set(env) - known) == [], "settings no code reads (a typo?)"
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(filled_secrets_toml())
    assert env.pop("STREAMLIT_SECRETS_FILES") == f"/run/secrets/{only_secret_of(service)}"
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)  # only what the container would have counts
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("STREAMLIT_SECRETS_FILES", str(secrets_file))
    try:
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
    except ValidationError as exc:
        pytest.fail(f"{service} would refuse to start: {'; '.join(e['msg'] for e in exc.errors())}")
    assert settings.database_url.get_secret_value().startswith("postgresql+psycopg://")
    assert settings.blob_store == "s3"


def only_secret_of(service: str) -> str:
    (name,) = SERVICES[service]["secrets"]
    assert COMPOSE["secrets"][name] == {"file": "./secrets.toml"}
    return str(name)


def filled_secrets_toml() -> str:
    """deploy/secrets.toml.example with every empty value filled, as an operator would."""
    text = (DEPLOY / "secrets.toml.example").read_text()
    assert tomllib.loads(text)["auth"]["cookie_secret"] == ""  # no committed secret, not even a placeholder
    return re.sub(r'^(\w+) = ""$', lambda m: f'{m.group(1)} = "{secrets.token_hex(32)}"', text, flags=re.M)


def test_the_templates_commit_no_secret_value() -> None:
    """An operator who forgets one gets production's refusal, never a key everybody can read on GitHub."""
    app = read_env_file(DEPLOY / "env.example")
    assert {key: value for key, value in app.items() if key in SECRET_FIELDS and value} == {}
    assert {key: value for key, value in read_env_file(DEPLOY / "site.env.example").items() if value} == {}


def test_the_web_replicas_serve_pages_only_from_s3_and_postgres_and_caddy_balances_them() -> None:
    assert len(WEB_SERVICES) >= 2
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", CADDYFILE)
    assert upstreams is not None
    assert sorted(upstreams.group(1).split()) == [f"{name}:8501" for name in WEB_SERVICES]
    assert re.search(r"^\s*lb_policy cookie\b", CADDYFILE, re.M), "sticky sessions for the websocket"
    for name in WEB_SERVICES:
        env, command = environment_of(name), command_of(name)
        assert env["WORKER_IN_PROCESS"] == "false" and env["BLOB_STORE"] == "s3" and env["S3_ADDRESSING"] == "path"
        assert command[command.index("--server.port") + 1] == "8501" and SERVICES[name]["expose"] == ["8501"]
        assert command[command.index("--server.address") + 1] == "0.0.0.0"


def test_the_app_reaches_postgres_and_minio_where_they_listen() -> None:
    postgres = SERVICES["postgres"]["environment"]
    bucket = SERVICES["minio-init"]["environment"]["S3_BUCKET"]
    for name in APP_SERVICES:
        env = environment_of(name)
        url = re.fullmatch(r"postgresql\+psycopg://(\w+):([^@]+)@([\w-]+):5432/(\w+)", env["DATABASE_URL"])
        assert url is not None, name
        assert (url[1], url[2], url[4]) == (
            postgres["POSTGRES_USER"],
            SITE["POSTGRES_PASSWORD"],
            postgres["POSTGRES_DB"],
        )
        assert url[3] == "postgres" and env["S3_ENDPOINT_URL"] == "http://minio:9000" and env["S3_BUCKET"] == bucket
        assert env["S3_ACCESS_KEY_ID"] == SITE["S3_ACCESS_KEY_ID"]  # the account minio-init creates
    init = " ".join(command_of("minio-init"))
    assert "mc version enable" in init and "mc admin user add" in init


def test_every_service_waits_for_what_it_needs_and_the_migration_runs_first() -> None:
    for name, spec in SERVICES.items():
        for needed in spec.get("depends_on", {}):
            assert needed in SERVICES, f"{name} depends on {needed}, which is not a service"
    for name in APP_SERVICES:
        depends = SERVICES[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        if name != "migrate":
            assert depends["migrate"]["condition"] == "service_completed_successfully", name
            assert depends["minio-init"]["condition"] == "service_completed_successfully", name
    assert SERVICES["migrate"]["restart"] == SERVICES["minio-init"]["restart"] == "no"
    assert set(SERVICES["caddy"]["depends_on"]) == set(WEB_SERVICES)
    assert {"80:80", "443:443"} <= set(SERVICES["caddy"]["ports"])
    assert [name for name, spec in SERVICES.items() if "ports" in spec] == ["caddy"], "only Caddy faces the world"


def test_every_command_exists_in_this_build() -> None:
    pinned = {line.split("==")[0].split("[")[0].lower() for line in requirements()}
    for name in APP_SERVICES:
        program, *args = command_of(name)
        if program == "streamlit":
            assert args[0] == "run" and (ROOT / args[1]).is_file() and "streamlit" in pinned
        elif program == "alembic":
            assert args == ["upgrade", "head"] and (ROOT / "alembic.ini").is_file() and "alembic" in pinned
        else:
            assert program == "python" and args[0] == "-m", name
            assert importlib.util.find_spec(args[1]) is not None, f"{name} runs `python -m {args[1]}`: no such module"
    make = (ROOT / "Makefile").read_text()
    assert re.search(r"^migrate:.*\n(\t.*\n)*\t\$\(BIN\)/alembic upgrade head$", make, re.M), "make migrate agrees"


def requirements() -> list[str]:
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    return [line for line in lines if line]


def test_the_image_is_pinned_runs_as_a_user_other_than_root_and_bakes_in_no_secret() -> None:
    assert re.search(r"^FROM python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?$", DOCKERFILE, re.M)
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert "pip install --no-cache-dir -r requirements.txt" in DOCKERFILE
    assert all(re.fullmatch(r"[\w.\-\[\],]+==[\w.]+", line) for line in requirements()), "every requirement pinned"
    baked = re.findall(r"^(?:ENV|ARG)\s+(.*)$", DOCKERFILE, re.M)
    assert not [line for line in baked if re.search(r"SECRET|KEY|PASSWORD|TOKEN", line)]
    assert command_of("web-1") == dockerfile_cmd()
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".env", ".streamlit/secrets.toml", "deploy/", "data/", ".git"} <= set(ignored)


def test_the_other_images_are_pinned_to_a_release() -> None:
    for name, spec in SERVICES.items():
        image = spec["image"]
        if image != APP_IMAGE:
            tag = image.rsplit(":", 1)[-1]
            assert ":" in image and re.search(r"\d", tag) and tag != "latest", name


def test_health_checks_probe_liveness_in_the_image_and_readiness_in_compose_and_caddy() -> None:
    (healthcheck,) = re.findall(r"^HEALTHCHECK .*\n.*$", DOCKERFILE, re.M)
    assert f"127.0.0.1:8501{LIVENESS_PATH}'" in healthcheck
    for name in WEB_SERVICES:
        assert f"127.0.0.1:8501{READINESS_PATH}'" in " ".join(SERVICES[name]["healthcheck"]["test"])
    assert re.search(rf"^\s*health_uri {READINESS_PATH}$", CADDYFILE, re.M)


def test_the_real_env_files_are_ignored_and_never_committed() -> None:
    real = ["deploy/.env", "deploy/.env.production", "deploy/secrets.toml"]
    committed = subprocess.run(["git", "ls-files", *real], cwd=ROOT, capture_output=True, text=True, check=True)
    assert committed.stdout == ""
    ignored = subprocess.run(["git", "check-ignore", *real], cwd=ROOT, capture_output=True, text=True, check=False)
    assert ignored.stdout.split() == real
    templates = subprocess.run(["git", "ls-files", "deploy"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert {"deploy/env.example", "deploy/site.env.example", "deploy/secrets.toml.example"} <= set(
        templates.stdout.split()
    )
