"""The package as users get it: `pip install ./python` offline into a fresh venv, and `import ipfrs` needing
nothing beyond numpy and the standard library."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

PACKAGE = REPO / "python"


def test_import_needs_only_numpy_and_the_standard_library() -> None:
    probe = (
        "import sys, sysconfig; before = set(sys.modules); import ipfrs; "
        "stdlib = sysconfig.get_paths()['stdlib']; "
        "extra = sorted({m.split('.')[0] for m in set(sys.modules) - before "
        "if getattr(sys.modules[m], '__file__', None) and not sys.modules[m].__file__.startswith(stdlib)}); "
        "print(','.join(extra))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(PACKAGE / "src")}, cwd="/")
    assert set(out.stdout.strip().split(",")) - {""} <= {"ipfrs", "numpy"}, out.stdout


def test_pip_installs_it_offline_into_a_fresh_venv(tmp_path: Path) -> None:
    try:
        import ensurepip  # noqa: F401  (Debian: python3-venv)
        import setuptools  # noqa: F401  (Debian: python3-setuptools)
    except ImportError as missing:
        pytest.skip(f"no {missing.name} here (apt-get install python3-venv python3-setuptools)")
    # A copy: building writes build/ and *.egg-info beside the sources.
    source = tmp_path / "src"
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "--no-index", "--no-build-isolation", "--quiet", str(source)],
                         capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr[-2000:]
    check = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import ipfrs, importlib.resources as r; print(ipfrs.__file__); "
                            "print(r.files('ipfrs').joinpath('py.typed').is_file())"],
                           capture_output=True, text=True, cwd="/", check=True)
    where, typed = check.stdout.split()
    assert where.startswith(str(venv)) and typed == "True"
