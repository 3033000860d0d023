"""Distil the fine-tuned MiniLM (the teacher) into a shallower student with the same outputs.

On 2 cores the transformer is most of the cost of a comment the screen
passes, and that cost is linear in layers. The student starts as the teacher
with every other encoder layer removed (DistilBERT's recipe: the kept layers
and the heads already speak the teacher's language), then learns to match the
teacher's attribute and token probabilities and the hidden states of the
layers it stands in for, on the training mix and on what the mix's caps leave
out (without those labels), with the datasets' own labels mixed in so it can
also correct the teacher where they disagree. It is calibrated on held-out
data exactly like the teacher.
"""

from __future__ import annotations

import copy
import json
import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from civility.records import MODEL_ATTRIBUTES
from civility.training.datasets import Example
from civility.training.train import (
    POS_WEIGHT,
    CivilityNet,
    Trainer,
    bf16_autocast,
    bucketed,
    calibrate,
    collate,
    encode,
    keep_layers,
    load_encoder,
    load_run,
    masked_loss,
    training_set,
)

#: Every other layer of six, as DistilBERT does: half the cost per token.
STUDENT_LAYERS = (0, 2, 4)
#: Weight of the datasets' own labels next to the teacher's probabilities.
LABEL_WEIGHT = 0.5
#: Weight of the squared difference between matched layers' hidden states.
HIDDEN_WEIGHT = 1.0


def capture_layers(model: CivilityNet) -> tuple[list[torch.Tensor], list[Any]]:
    """A list that each forward pass fills with every encoder layer's output, in order.

    Also returns the hooks' handles, to remove them once training is over.
    """
    outputs: list[torch.Tensor] = []

    def keep(_module: nn.Module, _inputs: object, output: object) -> None:
        outputs.append(output[0] if isinstance(output, tuple) else output)  # type: ignore[arg-type]

    handles = [layer.register_forward_hook(keep) for layer in model.encoder.encoder.layer]
    return outputs, handles


def matched_layers(layers: Sequence[int], depth: int) -> list[int]:
    """The teacher layer whose output each student layer should reproduce.

    Student layer ``k`` starts as teacher layer ``layers[k]`` and stands in for
    every teacher layer up to the next kept one: (0, 2, 4) of 6 → (1, 3, 5).
    """
    return [nxt - 1 for nxt in layers[1:]] + [depth - 1]


def distillation_loss(
    student: tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]],
    teacher: tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]],
    batch: dict[str, torch.Tensor],
    pos_weight: torch.Tensor,
) -> torch.Tensor:
    """Match the teacher's probabilities and hidden states, and the datasets' labels where known.

    Soft cross-entropy rather than squared error on logits: what matters is the
    probability near the policy's thresholds, not how far past 0 or 1 the
    teacher's logit went. Matching hidden states (TinyBERT's intermediate-layer
    loss) passes on more of what the teacher knows than its eight outputs do,
    which is what holds up on datasets neither model was trained on.
    """
    (logits, token_logits, hidden), (t_logits, t_token_logits, t_hidden) = student, teacher
    mask = batch["attention_mask"].bool()
    soft = nn.functional.binary_cross_entropy_with_logits(
        logits.float(), torch.sigmoid(t_logits.float())
    )
    token_soft = nn.functional.binary_cross_entropy_with_logits(
        token_logits.float()[mask], torch.sigmoid(t_token_logits.float()[mask])
    )
    states = torch.stack(
        [nn.functional.mse_loss(s.float()[mask], t.float()[mask]) for s, t in zip(
            hidden, t_hidden, strict=True)]
    ).mean()
    labelled = masked_loss(logits, token_logits, batch, pos_weight)
    return soft + 0.5 * token_soft + HIDDEN_WEIGHT * states + LABEL_WEIGHT * labelled


def distill(
    data_dir: Path,
    teacher_dir: Path,
    out_dir: Path,
    *,
    layers: Sequence[int] = STUDENT_LAYERS,
    epochs: float = 2.0,
    batch_size: int = 32,
    lr: float = 1e-4,
    seed: int = 13,
    limit: int | None = None,
) -> Path:
    """Train a student (checkpoint.pt, meta.json in ``out_dir``) from a finished teacher run."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    teacher = load_run(teacher_dir)
    depth = len(teacher.encoder.encoder.layer)
    student = keep_layers(copy.deepcopy(teacher), layers).train()
    teacher_states, _ = capture_layers(teacher)
    student_states, hooks = capture_layers(student)
    targets = matched_layers(layers, depth)
    _, tok = load_encoder()
    overflow: list[Example] = []
    train_ex, val_ex = training_set(data_dir, seed, overflow=overflow)
    if limit:
        train_ex, val_ex, overflow = train_ex[:limit], val_ex[: max(200, limit // 10)], []
    train_data, val_data = encode(tok, train_ex), encode(tok, val_ex)
    # The capped sources' remaining training examples, for the teacher's judgement only.
    for item in encode(tok, overflow):
        item.labels[:] = np.nan
        item.token_labels = None
        train_data.append(item)
    print(f"distilling on {len(train_data)} examples ({len(overflow)} without labels)", flush=True)
    trainer = Trainer(
        student,
        [{"params": student.parameters(), "lr": lr}],
        total_steps=int(math.ceil(len(train_data) / batch_size) * epochs),
        batch_size=batch_size,
    )
    pos_weight = torch.tensor([POS_WEIGHT[a] for a in MODEL_ATTRIBUTES])
    while not trainer.done:
        for group in bucketed(train_data, batch_size, rng):
            batch = collate([train_data[j] for j in group])
            inputs = (batch["input_ids"], batch["attention_mask"])
            teacher_states.clear()
            student_states.clear()
            with torch.no_grad(), bf16_autocast():
                t_logits, t_tokens, _ = teacher(*inputs)
                t_hidden = [teacher_states[i] for i in targets]
            with bf16_autocast():
                logits, token_logits, _ = student(*inputs)
            loss = distillation_loss(
                (logits, token_logits, list(student_states)),
                (t_logits, t_tokens, t_hidden),
                batch,
                pos_weight,
            )
            trainer.update(loss, len(group))
            if trainer.done:
                break
    del teacher
    for hook in hooks:
        hook.remove()
    torch.save(student.state_dict(), out_dir / "checkpoint.pt")
    calibration = calibrate(student, val_data)
    meta = json.loads((teacher_dir / "meta.json").read_text())
    teacher_layers = meta.get("layers", list(range(depth)))
    meta.update(
        calibration=calibration,
        # Indices into the pre-trained encoder's layers, which is what export() starts from.
        layers=[teacher_layers[i] for i in layers],
        distilled_from=f"{teacher_dir.name} ({depth} layers)",
        distill_epochs=epochs,
        seed=seed,
    )
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2))
    print(f"calibration: {calibration}", flush=True)
    return out_dir / "checkpoint.pt"

