"""What a newcomer's install can do: the README's bare install, and the extras on top of it.

These tests run the CLI in a subprocess that cannot import what the install in question would
not have put there, so a dependency missing from pyproject.toml, or a command that crashes
when an extra is absent, fails here rather than on a user's machine.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from civility.extras import EXTRA_OF_MODULE, install_hint
from tests.helpers import EXAMPLE_HTML, EXAMPLE_PAGE, REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))

#: Runs ``civility ARGS...`` with every top-level module in argv[1] (comma-separated)
#: unimportable, as if its distribution had never been installed.
BLOCKED_RUN = """
import importlib.metadata, re, sys
blocked = set(filter(None, sys.argv[1].split(",")))
allowed = sys.argv[2].split(",") if sys.argv[2] != "*" else None
owners = importlib.metadata.packages_distributions()
canon = lambda name: re.sub(r"[-_.]+", "-", name).lower()

class Uninstalled:
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        dists = {canon(d) for d in owners.get(top, ())}
        gone = top in blocked or (
            allowed is not None and dists and top != "civility" and not dists & set(allowed))
        if gone:
            raise ModuleNotFoundError(f"No module named {top!r}", name=top)
        return None

sys.meta_path.insert(0, Uninstalled())
sys.argv = ["civility", *sys.argv[3:]]
from civility.cli import main
main()
"""


def run_without(args: list[str], *, modules: tuple[str, ...] = (),
                only: set[str] | None = None) -> subprocess.CompletedProcess[str]:
    """``civility ARGS`` with ``modules`` missing, or with only the distributions ``only``."""
    allowed = ",".join(sorted(only)) if only is not None else "*"
    return subprocess.run(
        [sys.executable, "-c", BLOCKED_RUN, ",".join(modules), allowed, *args],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )


def closure(requirements: list[str], *, follow_extras: bool = False) -> set[str]:
    """Distributions that installing ``requirements`` brings in, by canonical name.

    Without ``follow_extras`` the extras that requirements ask of their own dependencies
    (``lxml[html_clean]``) are not followed: some pips miss them, so what Civility needs
    must be reachable without them.
    """
    todo = [Requirement(r) for r in requirements]
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            needs = importlib.metadata.requires(req.name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for text in needs:
            sub = Requirement(text)
            wanted = [""] + (sorted(req.extras) if follow_extras else [])
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in wanted):
                todo.append(Requirement(re.sub(r";.*", "", text)))
    return seen


def test_the_readme_install_reads_the_example_pages_text_and_html():
    core = closure(PYPROJECT["project"]["dependencies"])
    for page in (EXAMPLE_PAGE, EXAMPLE_HTML):
        result = run_without(["moderate", str(page), "--json"], only=core)
        assert result.returncode == 0, result.stderr[-2000:]
        assert len(json.loads(result.stdout)["comments"]) == 14


@pytest.mark.parametrize(
    ("args", "module", "extra"),
    [
        (["serve", "--port", "1"], "uvicorn", "server"),
        (["user", "add", "ann", "--password-stdin"], "sqlalchemy", "server"),
        (["import", str(EXAMPLE_PAGE)], "sqlalchemy", "server"),
        (["evaluate", "--quick"], "sklearn", "train"),
        (["train", "--limit", "1"], "torch", "train"),
        (["score", "in.parquet", "-o", "out.jsonl"], "pyarrow", "batch"),
        (["score", "in.parquet", "-o", "out.parquet", "--engine", "ray"], "ray", "ray"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_command_whose_extra_is_missing_names_the_pip_install(tmp_path, args, module, extra):
    (tmp_path / "in.parquet").write_bytes(b"PAR1")
    args = [a if a != "in.parquet" else str(tmp_path / a) for a in args]
    args = [a if not a.startswith("out.") else str(tmp_path / a) for a in args]
    result = run_without(args, modules=(module,))
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert f"needs {module}" in result.stderr
    assert f"pip install 'civility[{extra}]'" in result.stderr


def test_an_unrelated_import_error_is_not_disguised_as_a_missing_extra():
    assert install_hint(ModuleNotFoundError("No module named 'nothing'", name="nothing")) is None
    assert "civility[server]" in (install_hint(ModuleNotFoundError(name="uvicorn.main")) or "")


def test_every_module_maps_to_an_extra_that_installs_it():
    extras = PYPROJECT["project"]["optional-dependencies"]
    owners = importlib.metadata.packages_distributions()
    for module, extra in EXTRA_OF_MODULE.items():
        assert extra in extras, f"{module}: no extra {extra!r} in pyproject.toml"
        dists = {canonicalize_name(d) for d in owners.get(module, ())}
        if dists:  # installed here: its distribution must come with that extra
            assert dists & closure(extras[extra], follow_extras=True), (module, extra)


def test_docs_and_messages_name_only_extras_that_exist():
    extras = set(PYPROJECT["project"]["optional-dependencies"])
    files = [REPO / "README.md", REPO / "MODEL_CARD.md", *REPO.glob("docs/*.md"),
             *REPO.glob("civility/**/*.py"), REPO / ".ci" / "run"]
    named = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"(?:civility|\.)\[([a-z_,-]+)\]", text):
            for name in match.group(1).split(","):
                named.setdefault(name, path.relative_to(REPO))
    assert named, "no extras named anywhere: the pattern is wrong"
    unknown = {name: str(where) for name, where in named.items() if name not in extras}
    assert not unknown
