"""``civility train`` and ``civility evaluate`` (need the ``train`` extra)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
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


@dataclass(frozen=True, slots=True)
class TrainPlan:
    """Where a training run writes: checkpoints under ``run_dir``, the model to ``out``."""

    run_dir: Path
    out: Path
    version: str


def plan_outputs(
    out: Path | None,
    run_dir: Path | None,
    version: str | None,
    *,
    now: datetime,
    screen_only: bool = False,
    replace_packaged: bool = False,
) -> TrainPlan:
    """Decide where a run writes, before anything is trained.

    A run gets a fresh folder ``runs/train-<time>`` (the model in its ``model/``), so a
    second run never overwrites the first and no run silently replaces the model that
    ships with Civility: writing into the packaged model folder needs ``--replace-packaged``.
    """
    stamp = now.strftime("%Y%m%d-%H%M%S")
    if screen_only and out is None:
        raise click.UsageError(
            "--screen-only distils the screen of an existing model again: name its folder "
            "with --out DIR"
        )
    run_dir = run_dir or Path("runs") / f"train-{stamp}"
    out = out or run_dir / "model"
    if _inside(out, PACKAGED_MODEL) and not replace_packaged:
        raise click.UsageError(
            f"{out} is the model that ships with Civility; to replace it, add "
            "--replace-packaged (or write elsewhere and use it with --model DIR)"
        )
    return TrainPlan(run_dir, out, version or f"local-{stamp}")


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


@click.command("train")
@data_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write model.onnx, tokenizer.json, meta.json and screen.npz "
    "(default: RUN_DIR/model).",
)
@click.option(
    "--run-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Checkpoints and logs (default: a new runs/train-<date>-<time>).",
)
@click.option(
    "--replace-packaged",
    is_flag=True,
    help="Allow --out to be the packaged model folder (civility/models/civility-minilm).",
)
@click.option(
    "--epochs", default=3.0, show_default=True, help="Passes over the training mix (teacher)."
)
@click.option("--seed", default=13, show_default=True)
@click.option(
    "--version",
    "version",
    help="Version recorded in meta.json and in every verdict (default: local-<date>-<time>).",
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
    "--teacher-onnx",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Retrain a student from this exported model folder (model.onnx, meta.json): it "
    "starts as that model and keeps close to its outputs while it learns our newsroom "
    "templates and misspelt copies from their labels. No teacher run needed.",
)
@click.option(
    "--refresh-size",
    default="2400,3000,1500",
    show_default=True,
    help="With --teacher-onnx: examples of the old mix, of the new templates and "
    "functional cases, and misspelt copies (about 25 minutes on 2 busy cores).",
)
@click.option(
    "--refresh-keep",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.0, 1.0),
    help="With --teacher-onnx: how much of the way from the shipped weights to the "
    "retrained ones to keep (0.5: their average, which gives back most of what "
    "retraining costs on the public sets).",
)
@click.option(
    "--screen-only",
    is_flag=True,
    help="Keep the model at --out and only distil its screen again (about 10 minutes).",
)
def train_cmd(
    data: Path,
    out: Path | None,
    run_dir: Path | None,
    replace_packaged: bool,
    epochs: float,
    seed: int,
    version: str | None,
    limit: int | None,
    student_layers: str,
    student_epochs: float,
    teacher_run: Path | None,
    teacher_onnx: Path | None,
    refresh_size: str,
    refresh_keep: float,
    screen_only: bool,
) -> None:
    """Fine-tune MiniLM on the public datasets (the teacher), distil it into a
    3-layer student, export the student as int8 ONNX, then distil the screen
    (the cheap first pass) from it.

    \b
    Everything goes to a new folder runs/train-<date>-<time>/ (the model in its
    model/), never over the shipped model unless --replace-packaged is given.
    Reproduces the shipped weights (about 1 h 20 min on 2 CPU cores):
      civility train --data ../shared/data --version 3
    \b
    Only the later stages, from a finished teacher run:
      civility train --teacher runs/train-20250101-120000/teacher --version 3
    \b
    Or a new student from the shipped model itself (about 40 minutes):
      civility train --teacher-onnx civility/models/civility-minilm --version 4
      civility train --screen-only --out runs/train-20250101-120000/model
    \b
    Then use the model with --model DIR (or CIVILITY_MODEL=DIR), or ship it:
      civility train ... --out civility/models/civility-minilm --replace-packaged
    """
    import torch  # noqa: F401  # the 'train' extra: say so before any folder is made

    plan = plan_outputs(out, run_dir, version, now=datetime.now(), screen_only=screen_only,
                        replace_packaged=replace_packaged)
    from civility.training.screen import train_screen

    if teacher_onnx is not None and not screen_only:
        from civility.training.export import export
        from civility.training.onnx_teacher import refresh

        anchor, new, noisy = _sizes(refresh_size, limit)
        shipped = plan.run_dir / "student"
        refresh(_data_dir(data), teacher_onnx, shipped, epochs=student_epochs, seed=seed,
                anchor=anchor, new=new, noisy=noisy, keep=refresh_keep)
        path = export(shipped, plan.out, plan.version)
        click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    elif not screen_only:
        from civility.training.distill import distill
        from civility.training.export import export
        from civility.training.train import train

        layers = _layers(student_layers)
        teacher = teacher_run
        if teacher is None:
            teacher = plan.run_dir / "teacher"
            train(_data_dir(data), teacher, epochs=epochs, seed=seed, limit=limit)
        shipped = teacher
        if layers:
            shipped = plan.run_dir / "student"
            distill(_data_dir(data), teacher, shipped, layers=layers, epochs=student_epochs,
                    seed=seed, limit=limit)
        path = export(shipped, plan.out, plan.version)
        click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    train_screen(_data_dir(data), plan.out, seed=seed, cache=plan.run_dir / "screen-teacher",
                 limit=limit)
    click.echo(f"model {plan.version} ready in {plan.out}; use it with --model {plan.out}")


def _sizes(text: str, limit: int | None) -> tuple[int, int, int]:
    try:
        anchor, new, noisy = (int(x) for x in text.split(","))
    except ValueError:
        raise click.BadParameter(
            f"expected three comma-separated counts, got {text!r}", param_hint="--refresh-size"
        ) from None
    if limit:
        return min(anchor, limit), min(new, limit), min(noisy, limit)
    return anchor, new, noisy


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
    "--limit",
    type=click.IntRange(min=1),
    help="At most N examples per dataset, cases per functionality and identity templates.",
)
@click.option(
    "--only",
    multiple=True,
    metavar="NAME",
    help="Run only this part (repeatable): functional, public, research, toxic_spans, "
    "identity_templates, example_page, or a dataset's name (hatexplain, olid, ...).",
)
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
    data: Path,
    model: str | None,
    quick: bool,
    limit: int | None,
    only: tuple[str, ...],
    screen: bool,
    json_out: Path | None,
) -> None:
    """Print metrics per dataset test split (ROC-AUC and macro-F1 per attribute,
    Toxic Spans span F1, the flag rate on non-toxic identity templates) and
    accuracy per functionality of Civility's own functional suite.

    \b
      civility evaluate --data ../shared/data
      civility evaluate --only functional                  # no datasets needed
      civility evaluate --only hatexplain --only olid --limit 500
    """
    import sklearn  # noqa: F401  # the 'train' extra: say so now, not after scoring a dataset

    from civility.training.evaluate import check_names, evaluate, print_results

    try:
        check_names(only)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--only") from None
    root: Path | None = data
    if not (data / "MANIFEST.md").exists() and not (data / "toxic_spans").is_dir():
        if only and set(only) != {"functional"}:
            _data_dir(data)  # raises: the datasets asked for cannot be found
        click.echo(f"· no datasets at {data}: running the functional suite only", err=True)
        root = None
    results = evaluate(
        root,
        model=model,
        quick=quick,
        screen=screen,
        only=only or None,
        limit=limit,
        progress=lambda m: click.echo(f"· {m}", err=True),
    )
    print_results(results)
    if json_out:
        json_out.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
