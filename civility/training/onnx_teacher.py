"""Retrain the shipped student with its own ONNX model as the teacher (``--teacher-onnx``).

The fine-tuned teacher behind a shipped model is not kept (``runs/`` is not
committed), and training a new one costs most of an hour on 2 cores. The int8
``model.onnx`` holds everything the student is, though: its weights dequantise
back into the same :class:`CivilityNet`, which then starts exactly where the
shipped model is. The new student keeps close to that model by matching its
probabilities (computed once, cached by the model's digest) on the whole
training mix, and learns new kinds of text (our templates, noisy spellings)
from their labels, where the old model's judgement is what is being corrected.

A noisy copy of a text is scored by the teacher on its clean original, so the
student learns to read "idoit" as the teacher reads "idiot".
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from civility.records import MODEL_ATTRIBUTES
from civility.training.datasets import Example
from civility.training.train import (
    POS_WEIGHT,
    CivilityNet,
    Encoded,
    Trainer,
    bucketed,
    calibrate,
    collate,
    encode,
    keep_layers,
    load_encoder,
    training_set,
)

#: Layers of the pre-trained encoder a 3-layer student was cut from (its meta.json says so).
_ROLE = {
    "attention/output/dense": "attention.output.dense",
    "intermediate/dense": "intermediate.dense",
    "output/dense": "output.dense",
}
_LAYER = re.compile(r"^/encoder/encoder/layer\.(\d+)/(.+)/MatMul_quant$")


def _dequantised(inits: dict[str, np.ndarray], name: str) -> np.ndarray:
    """(q − zero point) · scale for a quantised initialiser ``<name>_quantized``."""
    q = inits[f"{name}_quantized"].astype(np.float32)
    return (q - inits[f"{name}_zero_point"].astype(np.float32)) * inits[f"{name}_scale"]


def onnx_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """The weights of an exported (fused, int8) model as a :class:`CivilityNet` state dict.

    Reads the graph the way ``export`` wrote it: fused QKV attention weights, int8
    matrix products named after the torch modules, uint8 embeddings and float
    biases and layer norms under their torch names.
    """
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    state: dict[str, np.ndarray] = {}
    for name, value in inits.items():  # biases and layer norms kept as floats
        if name.startswith(("encoder.", "heads.", "token_head.")) and not name.endswith(
            ("_quantized", "_scale", "_zero_point")
        ):
            state[name] = value
    for table in ("word_embeddings", "position_embeddings", "token_type_embeddings"):
        state[f"encoder.embeddings.{table}.weight"] = _dequantised(
            inits, f"encoder.embeddings.{table}.weight")
    for part in ("weight", "bias"):
        state[f"encoder.embeddings.LayerNorm.{part}"] = _dequantised(
            inits, f"encoder.embeddings.LayerNorm.{part}")
    for node in graph.node:
        if node.op_type == "QAttention":
            layer = int(node.name.split("_")[1])
            qkv = _dequantised(inits, node.input[1].removesuffix("_quantized"))
            bias = inits[node.input[2]]
            prefix = f"encoder.encoder.layer.{layer}.attention.self"
            for k, part in enumerate(("query", "key", "value")):
                cols = slice(k * qkv.shape[1] // 3, (k + 1) * qkv.shape[1] // 3)
                state[f"{prefix}.{part}.weight"] = qkv[:, cols].T
                state[f"{prefix}.{part}.bias"] = bias[cols]
        elif node.op_type == "MatMulInteger" and node.input[1].endswith("_quantized"):
            weight = _dequantised(inits, node.input[1].removesuffix("_quantized")).T
            if match := _LAYER.match(node.name):
                layer, role = match.groups()
                state[f"encoder.encoder.layer.{layer}.{_ROLE[role]}.weight"] = weight
            elif node.name.startswith("/token_head/"):
                state["token_head.weight"] = weight
            elif node.name.startswith("/heads/"):
                state["heads.weight"] = weight
            else:
                raise ValueError(f"unexpected matrix product {node.name} in {path}")
    return {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in state.items()}


def load_onnx_student(model_dir: Path) -> CivilityNet:
    """The shipped model as a trainable network (its layers from meta.json)."""
    meta = json.loads((model_dir / "meta.json").read_text())
    encoder, _ = load_encoder()
    model = keep_layers(CivilityNet(encoder), meta["layers"])
    state = onnx_state_dict(model_dir / "model.onnx")
    missing, unexpected = model.load_state_dict(state, strict=False)
    # The pooler is never exported: the heads pool the hidden states themselves.
    if unexpected or any(not k.startswith("encoder.pooler.") for k in missing):
        raise ValueError(f"{model_dir}: weights do not fit (missing {missing}, "
                         f"unexpected {unexpected})")
    return model.eval()


def blend(model: CivilityNet, base: dict[str, torch.Tensor], weight: float) -> CivilityNet:
    """``model`` moved back towards ``base``: base + weight · (model − base), per weight.

    Averaging a fine-tuned network with the one it started from keeps most of
    what fine-tuning taught and gives back most of what it cost elsewhere
    (Wortsman et al., "Robust fine-tuning of zero-shot models", 2022).
    """
    with torch.no_grad():
        for name, value in model.state_dict().items():
            if name in base and value.is_floating_point():
                value.copy_(base[name] + weight * (value - base[name]))
    return model


@dataclass(slots=True)
class Item:
    """One training example with the teacher's view of it."""

    encoded: Encoded
    soft: np.ndarray  # teacher logits, 8
    soft_tokens: np.ndarray | None  # teacher token logits, when the teacher read these tokens
    soft_mask: np.ndarray  # 1 where the teacher's probability is a target
    label_weight: float


@torch.inference_mode()
def teacher_outputs(
    model: CivilityNet, data: list[Encoded], batch_size: int = 64
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Logits and token logits of ``model`` for each item of ``data``, in its order."""
    model.eval()
    logits: list[np.ndarray] = [np.empty(0)] * len(data)
    tokens: list[np.ndarray] = [np.empty(0)] * len(data)
    groups = bucketed(data, batch_size, random.Random(0), shuffle=False)
    for n, group in enumerate(groups):
        batch = collate([data[j] for j in group])
        out, tok, _ = model(batch["input_ids"], batch["attention_mask"])
        for row, j in enumerate(group):
            logits[j] = out[row].numpy().copy()
            tokens[j] = tok[row, : len(data[j].ids)].numpy().copy()
        if n % 100 == 0:
            print(f"  teacher: {n * batch_size:,}/{len(data):,}", flush=True)
    return logits, tokens


def cached_teacher(
    model: CivilityNet, digest: str, data: list[Encoded], cache: Path
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """:func:`teacher_outputs`, kept in ``cache`` under the model's digest and the inputs'."""
    h = hashlib.sha256(digest.encode())
    for item in data:
        h.update(np.asarray(item.ids, dtype=np.int32).tobytes() + b"|")
    path = cache / f"teacher-{h.hexdigest()[:16]}.npz"
    if path.exists():
        with np.load(path) as f:
            lengths = np.cumsum(f["lengths"])[:-1]
            return list(f["logits"]), np.split(f["tokens"], lengths)
    logits, tokens = teacher_outputs(model, data)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, logits=np.stack(logits), tokens=np.concatenate(tokens),
             lengths=np.array([len(t) for t in tokens]))
    return logits, tokens


def loss(
    logits: torch.Tensor,
    token_logits: torch.Tensor,
    batch: dict[str, torch.Tensor],
    items: Sequence[Item],
    pos_weight: torch.Tensor,
) -> torch.Tensor:
    """Soft cross-entropy to the teacher where it is trusted, plus the labels where known."""
    soft = torch.from_numpy(np.stack([i.soft for i in items]))
    soft_mask = torch.from_numpy(np.stack([i.soft_mask for i in items]))
    bce = nn.functional.binary_cross_entropy_with_logits(
        logits, torch.sigmoid(soft), reduction="none")
    soft_loss = (bce * soft_mask).sum() / soft_mask.sum().clamp(min=1)
    # Token probabilities where the teacher read the same word pieces.
    token_target = torch.full_like(token_logits, float("nan"))
    for row, item in enumerate(items):
        if item.soft_tokens is not None:
            token_target[row, : len(item.soft_tokens)] = torch.from_numpy(item.soft_tokens)
    known_tokens = ~torch.isnan(token_target) & batch["attention_mask"].bool()
    token_loss = (
        nn.functional.binary_cross_entropy_with_logits(
            token_logits[known_tokens], torch.sigmoid(token_target[known_tokens]))
        if known_tokens.any() else torch.zeros(())
    )
    labels = batch["labels"]
    known = ~torch.isnan(labels)
    weights = torch.tensor([i.label_weight for i in items]).unsqueeze(1) * known
    label_bce = nn.functional.binary_cross_entropy_with_logits(
        logits, torch.nan_to_num(labels), pos_weight=pos_weight, reduction="none")
    label_loss = (label_bce * weights).sum() / known.sum().clamp(min=1)
    tok_target = batch["token_labels"]
    tok_known = tok_target != -100
    span_loss = (
        nn.functional.binary_cross_entropy_with_logits(
            token_logits[tok_known], tok_target[tok_known].float(), pos_weight=torch.tensor(2.0))
        if tok_known.any() else torch.zeros(())
    )
    return soft_loss + 0.5 * token_loss + label_loss + 0.25 * span_loss


def _assert_no_held_out(examples: Sequence[Example]) -> None:
    """The functional suite's held-out families measure generalisation: never train on them."""
    from civility.training.functional import held_out_texts

    held = held_out_texts()
    leaked = {e.text for e in examples} & held
    assert not leaked, f"held-out functional texts in training: {sorted(leaked)[:3]}"


def refresh(
    data_dir: Path,
    model_dir: Path,
    out_dir: Path,
    *,
    epochs: float = 1.0,
    batch_size: int = 32,
    lr: float = 1e-4,
    seed: int = 13,
    anchor: int = 2400,
    new: int = 3000,
    noisy: int = 1500,
    keep: float = 1.0,
) -> Path:
    """Train a new student (checkpoint.pt, meta.json in ``out_dir``) from the ONNX model.

    ``anchor`` examples of the old training mix (a quarter from its left-overs)
    keep it close to the teacher; ``new`` examples of our templates and the
    functional suite's trainable cases teach it the new kinds; ``noisy``
    misspelt copies of both teach it to read disguised words. The defaults fit
    about 25 minutes of 2 busy cores; more of each costs time linearly.

    The input embeddings are frozen: the screen reads them too (its MLP sees the
    transformer's own word-piece vectors), and a misspelling is learnt in the
    layers that read the word pieces, not in the table.

    ``keep`` < 1 moves the trained weights back towards the shipped model's by
    that share of the way (:func:`blend`) before calibration.
    """
    from civility.training import newsroom
    from civility.training.noisy import noisy_copies

    torch.manual_seed(seed)
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    student = load_onnx_student(model_dir)
    _, tok = load_encoder()
    overflow: list[Example] = []
    train_ex, val_ex = training_set(data_dir, seed, overflow=overflow)
    templates = [e for e in newsroom.generate(seed) if e.split == "train"]
    cases = newsroom.functional_examples()
    new_ex = rng.sample(cases, min(len(cases), new // 3))
    new_ex += rng.sample(templates, min(len(templates), new - len(new_ex)))
    train_ex = rng.sample(train_ex, min(len(train_ex), anchor - anchor // 4))
    overflow = rng.sample(overflow, min(len(overflow), anchor // 4))
    new = new_ex
    pairs = noisy_copies(train_ex, noisy // 2, seed) + noisy_copies(new, noisy // 2, seed + 1)
    _assert_no_held_out(train_ex + overflow + new + [p[0] for p in pairs])

    originals = [*train_ex, *overflow, *new, *(p[1] for p in pairs)]
    clean = encode(tok, originals)
    digest = json.loads((model_dir / "meta.json").read_text()).get("sha256", str(model_dir))
    t_logits, t_tokens = cached_teacher(student, digest, clean, out_dir / "teacher-cache")
    noisy_enc = encode(tok, [p[0] for p in pairs])
    n_old, n_over, n_new = len(train_ex), len(overflow), len(new)
    items: list[Item] = []
    ones = np.ones(len(MODEL_ATTRIBUTES), dtype=np.float32)
    for k, enc in enumerate(clean):
        if k < n_old:  # the old mix: the teacher's probabilities, its labels at half weight
            items.append(Item(enc, t_logits[k], t_tokens[k], ones, 0.5))
        elif k < n_old + n_over:  # the capped sources' left-overs: the teacher only
            enc.labels[:] = np.nan
            enc.token_labels = None
            items.append(Item(enc, t_logits[k], t_tokens[k], ones, 0.0))
        elif k < n_old + n_over + n_new:  # new kinds: the labels, the teacher elsewhere
            mask = np.isnan(enc.labels).astype(np.float32)
            items.append(Item(enc, t_logits[k], None, mask, 1.0))
    for j, enc in enumerate(noisy_enc):  # misspelt: what the teacher says of the clean text
        k = n_old + n_over + n_new + j
        weight = 1.0 if pairs[j][1].source in ("newsroom", "functional") else 0.5
        mask = np.isnan(enc.labels).astype(np.float32) if weight == 1.0 else ones
        items.append(Item(enc, t_logits[k], None, mask, weight))
    print(f"refreshing on {len(items)} examples: "
          f"{dict(Counter(e.source for e in originals[: n_old + n_over + n_new]))}, "
          f"{len(pairs)} misspelt copies", flush=True)

    data = [i.encoded for i in items]
    student.encoder.embeddings.requires_grad_(False)
    trainer = Trainer(
        student,
        [{"params": [p for p in student.parameters() if p.requires_grad], "lr": lr}],
        total_steps=int(math.ceil(len(data) / batch_size) * epochs),
        batch_size=batch_size,
    )
    pos_weight = torch.tensor([POS_WEIGHT[a] for a in MODEL_ATTRIBUTES])
    student.train()
    while not trainer.done:
        for group in bucketed(data, batch_size, rng):
            batch = collate([data[j] for j in group])
            logits, token_logits, _ = student(batch["input_ids"], batch["attention_mask"])
            trainer.update(
                loss(logits, token_logits, batch, [items[j] for j in group], pos_weight),
                len(group),
            )
            if trainer.step % 100 == 0:
                torch.save(student.state_dict(), out_dir / "checkpoint.pt")
            if trainer.done:
                break
    if keep < 1.0:
        blend(student, onnx_state_dict(model_dir / "model.onnx"), keep)
    torch.save(student.state_dict(), out_dir / "checkpoint.pt")
    calibration = calibrate(student, encode(tok, val_ex))
    meta = json.loads((model_dir / "meta.json").read_text())
    sources = Counter(e.source for e in originals[: n_old + n_over + n_new])
    meta.update(
        calibration=calibration,
        distilled_from=f"{meta.get('version', model_dir.name)} (its own ONNX model)",
        distill_epochs=epochs,
        seed=seed,
        keep=keep,
        refresh_sources={**sources, "misspelt copies": len(pairs)},
    )
    meta.pop("sha256", None)
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2))
    print(f"calibration: {calibration}", flush=True)
    return out_dir / "checkpoint.pt"
