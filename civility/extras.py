"""Which optional extra brings each optional module, and the one message that says so.

The core install (``pip install civility``) moderates pages and scores JSONL and CSV. The
rest comes in extras; a command that reaches for a module it lacks should tell the user the
one ``pip install`` to run rather than end in a ``ModuleNotFoundError`` traceback.
"""

from __future__ import annotations

#: Top-level module -> the extra (in pyproject.toml) that installs it.
EXTRA_OF_MODULE: dict[str, str] = {
    # the server, the moderator UI and the database
    "fastapi": "server",
    "starlette": "server",
    "uvicorn": "server",
    "sqlalchemy": "server",
    "alembic": "server",
    "argon2": "server",
    "psycopg": "server",
    "prometheus_client": "server",
    "httpx": "server",
    "multipart": "server",
    "python_multipart": "server",
    "pydantic_settings": "server",
    # training and evaluation
    "torch": "train",
    "transformers": "train",
    "sklearn": "train",
    "pandas": "train",
    "onnx": "train",
    "onnxscript": "train",
    # Parquet files
    "pyarrow": "batch",
    # the Ray Data engine
    "ray": "ray",
}

#: Extra -> what it is for, in the words of the install message.
PURPOSE: dict[str, str] = {
    "server": "the server, the moderator UI and the database commands",
    "train": "training and evaluation",
    "batch": "Parquet files",
    "ray": "the Ray Data engine",
}


def missing_extra(err: ImportError) -> str | None:
    """The extra whose absence caused ``err``, or None when ``err`` is not about an extra."""
    name = getattr(err, "name", None)
    if not name:
        return None
    return EXTRA_OF_MODULE.get(name.split(".")[0])


def install_hint(err: ImportError, what: str | None = None) -> str | None:
    """A one-paragraph message naming the missing module and the install command, or None.

    ``what`` names the thing that needed it (e.g. ``'civility serve'``).
    """
    extra = missing_extra(err)
    if extra is None:
        return None
    module = (err.name or "").split(".")[0]
    lead = f"{what} needs {module}, which is" if what else f"{module} is not installed; it is"
    return (
        f"{lead} part of the '{extra}' extra ({PURPOSE[extra]}). Install it with:\n"
        f"  pip install 'civility[{extra}]'\n"
        f"or, in a source checkout: pip install -e '.[{extra}]'"
    )
