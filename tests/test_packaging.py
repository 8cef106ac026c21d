"""A wheel built from the repository carries the templates, translations, migrations and static
files, and an app imported from it finds them."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECK = textwrap.dedent(
    """
    import sys, tempfile, pathlib
    import optout, optout.paths
    root = pathlib.Path(sys.argv[1])
    assert pathlib.Path(optout.__file__).is_relative_to(root), optout.__file__
    assert optout.paths.TEMPLATES_DIR.is_relative_to(root) and optout.paths.TRANSLATIONS_DIR.is_relative_to(root)
    from optout import create_app, schema
    from optout.db import make_engine
    url = f"sqlite:///{tempfile.mkdtemp()}/w.sqlite3"
    schema.upgrade(make_engine(url))
    app = create_app({"TESTING": True, "OPTOUT_DATABASE_URL": url, "OPTOUT_SECRET_KEYS": "k" * 40,
                      "OPTOUT_ID_KEY": "i" * 40, "OPTOUT_BASE_URL": "https://optout.example.no"})
    page = app.test_client().get("https://optout.example.no/u/nonsense", headers={"Accept-Language": "nb"})
    assert page.status_code == 404 and "Lenken virker ikke" in page.text, page.text
    print("wheel ok")
    """
)


def test_wheel_contains_and_finds_its_resources(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("optout-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "optout/templates/base.html",
        "optout/templates/preferences/show.html",
        "optout/translations/nb/LC_MESSAGES/messages.mo",
        "optout/translations/en/LC_MESSAGES/messages.mo",
        "optout/migrations/env.py",
        "optout/migrations/versions/0001_initial.py",
        "optout/static/optout.css",
    ):
        assert required in names, required
    [entry_points] = [name for name in names if name.endswith(".dist-info/entry_points.txt")]
    assert "optout = optout.__main__:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    result = subprocess.run(
        [sys.executable, "-c", CHECK, str(unpacked)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "wheel ok" in result.stdout


def test_python_dash_m_optout_is_the_command(tmp_path):
    """``python -m optout`` runs the same entry point as the script: a missing key ends with its
    message and exit status 2, not a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "optout", "topic", "list"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("optout: OPTOUT_SECRET_KEYS is not set"), result.stderr
    assert "Traceback" not in result.stderr
