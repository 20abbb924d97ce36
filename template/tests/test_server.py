"""The production server (gunicorn.conf.py) refuses invalid settings in one line."""

import os
import subprocess
import sys
from pathlib import Path

# The project's root: gunicorn.conf.py is there, as the README runs it.
PROJECT = Path(__file__).resolve().parents[1]


def test_invalid_settings_stop_the_server_with_one_line_and_no_traceback() -> None:
    # The environment of a production server: only what the README sets.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "ENVIRONMENT": "production",
        "SECRET_KEY": "changethis",
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
    }
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", "127.0.0.1:0"]

    ended = subprocess.run(  # noqa: S603 - the project's own server, fixed arguments
        gunicorn, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60, check=False
    )

    # 4: gunicorn's "App failed to load" (the settings), not 3, a worker that crashed.
    assert ended.returncode == 4
    assert ended.stderr.splitlines() == [
        "error: SECRET_KEY is the placeholder 'changethis' but ENVIRONMENT is 'production': "
        "set SECRET_KEY to a random value, e.g. the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
    ]
    assert "Traceback" not in ended.stdout
