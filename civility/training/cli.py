"""``civility train`` and ``civility evaluate`` (need the ``train`` extra)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

DEFAULT_DATA = Path("../shared/data")
PACKAGED_MODEL = Path(__file__).resolve().parents[1] / "models" / "civility-minilm"


def _data_dir(path: Path) -> Path:
    if not (path / "MANIFEST.md").exists() and not (path / "toxic_spans").is_dir():
        raise click.ClickException(
            f"{path} does not look like the datasets folder (no MANIFEST.md or toxic_spans/); "
            "pass --data PATH"
        )
    return path


data_option = click.option(
    "--data",
    "data",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA,
    show_default=True,
    help="Folder of public datasets.",
)


@click.command("train")
@data_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=PACKAGED_MODEL,
    show_default=True,
    help="Where to write model.onnx, tokenizer.json, meta.json.",
)
@click.option(
    "--run-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs/train"),
    show_default=True,
    help="Checkpoints and logs.",
)
@click.option("--epochs", default=2.0, show_default=True, help="Passes over the training mix.")
@click.option("--seed", default=13, show_default=True)
@click.option(
    "--version",
    "version",
    default="1",
    show_default=True,
    help="Version recorded in meta.json and in every verdict.",
)
@click.option("--limit", type=int, help="Train on the first N examples only (smoke test).")
@click.option(
    "--student-layers",
    default="0,2,4",
    show_default=True,
    help="Encoder layers the shipped student keeps, or 'none' to ship the 6-layer teacher.",
)
@click.option(
    "--student-epochs", default=2.0, show_default=True, help="Distillation passes."
)
@click.option(
    "--teacher",
    "teacher_run",
    type=click.Path(file_okay=False, path_type=Path),
    help="Distil from this finished teacher run (checkpoint.pt, meta.json) instead of "
    "training one.",
)
@click.option(
    "--screen-only",
    is_flag=True,
    help="Keep the model at --out and only distil its screen again (about 10 minutes).",
)
def train_cmd(
    data: Path,
    out: Path,
    run_dir: Path,
    epochs: float,
    seed: int,
    version: str,
    limit: int | None,
    student_layers: str,
    student_epochs: float,
    teacher_run: Path | None,
    screen_only: bool,
) -> None:
    """Fine-tune MiniLM on the public datasets (the teacher), distil it into a
    3-layer student, export the student as int8 ONNX, then distil the screen
    (the cheap first pass) from it.

    \b
    Reproduces the shipped weights (about 1 h 20 min on 2 CPU cores):
      civility train --data ../shared/data --epochs 3 --version 3
    \b
    Only the later stages, from a finished teacher run:
      civility train --teacher runs/train/teacher --version 3
      civility train --screen-only
    """
    from civility.training.screen import train_screen

    if not screen_only:
        from civility.training.distill import distill
        from civility.training.export import export
        from civility.training.train import train

        layers = _layers(student_layers)
        if teacher_run is None:
            teacher_run = run_dir / "teacher"
            train(_data_dir(data), teacher_run, epochs=epochs, seed=seed, limit=limit)
        shipped = teacher_run
        if layers:
            shipped = run_dir / "student"
            distill(_data_dir(data), teacher_run, shipped, layers=layers, epochs=student_epochs,
                    seed=seed, limit=limit)
        path = export(shipped, out, version)
        click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    train_screen(_data_dir(data), out, seed=seed, cache=run_dir / "screen-teacher", limit=limit)


def _layers(text: str) -> list[int]:
    if text.strip().lower() in ("", "none", "all"):
        return []
    try:
        layers = [int(x) for x in text.split(",")]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated layer numbers, got {text!r}") from None
    if sorted(set(layers)) != layers or not all(0 <= x < 6 for x in layers):
        raise click.BadParameter("layers must be distinct, ascending, between 0 and 5")
    return layers


@click.command("evaluate")
@data_option
@click.option(
    "--model", type=click.Path(file_okay=False), help="Model directory (default: packaged)."
)
@click.option("--quick", is_flag=True, help="At most 300 examples per dataset (a smoke run).")
@click.option(
    "--screen/--no-screen",
    default=True,
    show_default=True,
    help="Measure with the cheap first pass on (as shipped) or with the transformer reading all.",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the metrics as JSON.",
)
def evaluate_cmd(
    data: Path, model: str | None, quick: bool, screen: bool, json_out: Path | None
) -> None:
    """Print metrics per dataset test split: ROC-AUC and macro-F1 per attribute,
    Toxic Spans span F1, and the flag rate on non-toxic identity templates.

    \b
      civility evaluate --data ../shared/data
    """
    from civility.training.evaluate import evaluate, print_results

    results = evaluate(
        _data_dir(data),
        model=model,
        quick=quick,
        screen=screen,
        progress=lambda m: click.echo(f"· {m}", err=True),
    )
    print_results(results)
    if json_out:
        json_out.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
