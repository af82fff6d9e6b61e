"""A throw-away Django project for the tests that run real Django: its settings, a helper
that writes the project, and one that runs its commands (or code) in a process of its own.

The settings read the database from the environment: ``SHOP_DB=sqlite`` with
``SHOP_SQLITE`` (the file), else PostgreSQL from ``SHOP_PG_NAME``, ``SHOP_PG_HOST``,
``SHOP_PG_PORT``, ``SHOP_PG_USER`` and ``SHOP_PG_PASSWORD``. The application is ``shop``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SETTINGS = """
import os
SECRET_KEY = "test-only-not-secret"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shop"]
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if os.environ.get("SHOP_DB") == "sqlite":
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                             "NAME": os.environ["SHOP_SQLITE"]}}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql",
                             "NAME": os.environ["SHOP_PG_NAME"],
                             "HOST": os.environ["SHOP_PG_HOST"],
                             "PORT": os.environ["SHOP_PG_PORT"],
                             "USER": os.environ["SHOP_PG_USER"],
                             "PASSWORD": os.environ.get("SHOP_PG_PASSWORD", "")}}
"""


def make_project(root: Path, models: str) -> Path:
    """Write the project (settings and the ``shop`` app with these models) under root."""
    (root / "shop" / "migrations").mkdir(parents=True)
    (root / "settings.py").write_text(textwrap.dedent(SETTINGS))
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "migrations" / "__init__.py").write_text("")
    (root / "shop" / "models.py").write_text(textwrap.dedent(models))
    return root


def run_django(project: Path, env: dict[str, str], *args: str, code: str | None = None) -> str:
    """Run manage.py-style commands (or code) of the project in a process of its own."""
    script = (
        "import django, os, sys\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\n"
        "django.setup()\n"
    )
    if code is None:
        script += f"from django.core.management import call_command\ncall_command(*{args!r})\n"
    else:
        script += code
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=project,
        env={**os.environ, **env, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, f"{args or 'code'} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout
