"""docker-compose.yml and the Dockerfile say what the README says (Docker itself isn't run)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_replicas_start_after_the_migration_on_the_compose_database() -> None:
    services = compose()["services"]
    assert set(services) == {"db", "migrate", "app", "proxy"}
    migrate, app = services["migrate"], services["app"]
    assert migrate["command"] == ["python", "bot.py", "migrate"]
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert app["command"] == ["python", "bot.py"]
    assert app["deploy"]["replicas"] == 3
    assert app["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    db = services["db"]["environment"]
    for service in (migrate, app):
        url = service["environment"]["DATABASE_URL"]
        assert url == (
            f"postgresql://{db['POSTGRES_USER']}:${{POSTGRES_PASSWORD:-tactful}}@db:5432/"
            f"{db['POSTGRES_DB']}"
        )
        assert service["build"] == "."
    assert "app:3000" in (ROOT / "deploy" / "nginx.conf").read_text()


def test_the_image_installs_the_pinned_requirements_and_serves() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "RUN pip install -r requirements.txt" in dockerfile
    assert 'CMD ["python", "bot.py"]' in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", "data", ".git"} <= set(ignored)
