"""Export a trained checkpoint to the shipped artefact: int8 ONNX + tokenizer + metadata.

The encoder is exported with eager attention through the TorchScript exporter
so onnxruntime's transformer optimiser can fuse attention and layer norms; then
weights are quantised to int8 per channel (per-tensor int8 distorts MiniLM's
small matrices too much).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import torch

from civility.training.train import encoder_dir, load_run


def export(run_dir: Path, out_dir: Path, version: str) -> Path:
    meta = json.loads((run_dir / "meta.json").read_text())
    model = load_run(run_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model.fp32.onnx"
        ids = torch.ones(2, 16, dtype=torch.long)
        mask = torch.ones(2, 16, dtype=torch.long)
        torch.onnx.export(
            model,
            (ids, mask),
            str(fp32),
            dynamo=False,
            opset_version=17,
            input_names=["input_ids", "attention_mask"],
            output_names=["logits", "token_logits", "embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "seq"},
                "attention_mask": {0: "batch", 1: "seq"},
                "logits": {0: "batch"},
                "token_logits": {0: "batch", 1: "seq"},
                "embedding": {0: "batch"},
            },
        )
        fused = Path(tmp) / "model.fused.onnx"
        _fuse(fp32, fused)
        _quantize(fused, out_dir / "model.onnx")
    shutil.copy(encoder_dir() / "tokenizer.json", out_dir / "tokenizer.json")
    meta["version"] = version
    meta["sha256"] = hashlib.sha256((out_dir / "model.onnx").read_bytes()).hexdigest()
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return out_dir / "model.onnx"


def _fuse(src: Path, dst: Path) -> None:
    from onnxruntime.transformers import optimizer

    opt = optimizer.optimize_model(
        str(src), model_type="bert", num_heads=12, hidden_size=384, opt_level=1
    )
    opt.save_model_to_file(str(dst))


def _quantize(src: Path, dst: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Fused contrib ops (Attention, SkipLayerNorm) defeat shape inference; their
    # outputs are float, which is all the quantiser needs to know.
    quantize_dynamic(
        str(src),
        str(dst),
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


if __name__ == "__main__":
    import sys

    print(export(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]))
