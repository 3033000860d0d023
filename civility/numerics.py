"""Which arithmetic the network runs in, picked at load time for the CPU it runs on.

The shipped model is dynamically quantised int8 (``DynamicQuantizeLinear`` +
``MatMulInteger``/``QAttention``). That is fast only where the CPU has an 8-bit
dot-product instruction: AVX-512 VNNI / AVX-VNNI ``vpdpbusd`` (x86), AMX, or
the Arm dot-product extension. Without one (AVX2-only x86), onnxruntime's int8
GEMM needs three instructions (``vpmaddubsw``, ``vpmaddwd``, ``vpaddd``) for
what one fp32 FMA does in one, *and* every matrix product pays extra passes
over its activations (min/max, quantise, int32→float, rescale) that fp32 does
not: there, fp32 is faster. So on such CPUs the int8 weights of the shipped
model are dequantised at load time into an fp32 graph (no extra file is
shipped; the conversion is cached under the user's cache directory), and int8
is kept where the dot-product instruction exists. ``CIVILITY_NUMERICS=int8|fp32|auto``
overrides the choice.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

NUMERICS = ("auto", "int8", "fp32")
ENV = "CIVILITY_NUMERICS"


@dataclass(frozen=True, slots=True)
class CpuInfo:
    model: str
    machine: str
    flags: frozenset[str]

    @property
    def features(self) -> dict[str, bool]:
        """The vector features that decide the numerics (and explain a benchmark's figures)."""
        f = self.flags
        return {
            "AVX2": "avx2" in f,
            "AVX-512F": "avx512f" in f,
            "AVX-512 VNNI": "avx512_vnni" in f,
            "AVX-VNNI": "avx_vnni" in f,
            "AMX": "amx_int8" in f or "amx_tile" in f,
            "Arm dot product": "asimddp" in f,
        }

    @property
    def int8_dot(self) -> bool:
        """Whether the CPU has an 8-bit dot-product instruction onnxruntime uses."""
        feats = self.features
        return any(feats[k] for k in ("AVX-512 VNNI", "AVX-VNNI", "AMX", "Arm dot product"))

    def describe(self) -> str:
        """One line for benchmark output: the model name and which features it has."""
        have = [k for k, v in self.features.items() if v and (k != "Arm dot product"
                                                              or self.machine != "x86_64")]
        missing = [k for k, v in self.features.items() if not v and k != "Arm dot product"]
        text = f"CPU: {self.model} ({self.machine}, {os.cpu_count()} logical cores); "
        text += f"has {', '.join(have) or 'none of the listed features'}"
        if missing:
            text += f"; lacks {', '.join(missing)}"
        return f"{text}; default numerics: {choose('auto', self)}"


@cache
def cpu_info() -> CpuInfo:
    """This machine's CPU, from /proc/cpuinfo (Linux); elsewhere only the model name."""
    model, flags = platform.processor() or platform.machine(), set[str]()
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        text = ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key in ("model name", "Model") and model in ("", platform.processor(),
                                                       platform.machine()):
            model = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = set(value.split())
    return CpuInfo(model=model or "unknown", machine=platform.machine(), flags=frozenset(flags))


def choose(requested: str | None = None, cpu: CpuInfo | None = None) -> str:
    """``int8`` or ``fp32``: the request, else ``$CIVILITY_NUMERICS``, else by the CPU."""
    wanted = (requested or os.environ.get(ENV) or "auto").strip().lower()
    if wanted not in NUMERICS:
        raise ValueError(f"numerics must be one of {', '.join(NUMERICS)}, not {wanted!r}")
    if wanted != "auto":
        return wanted
    return "int8" if (cpu or cpu_info()).int8_dot else "fp32"


def fp32_graph(path: Path) -> str | bytes:
    """What to open a session on for fp32: a cached file's path, else the graph itself.

    The conversion is kept under ``$XDG_CACHE_HOME/civility`` (``~/.cache/civility``),
    named by the int8 file's content digest (not its modification time, which every
    checkout or rewrite changes), so worker processes and later runs open it without
    converting (converting briefly needs ~130 MB more). Writing a new conversion removes
    the older ones of the same model name: each is 33 MB. Where that directory cannot
    be written, the graph is built in memory each time.
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "civility"
    name = path.parent.name
    cached = base / f"{name}-{_digest(path)}-fp32.onnx"
    if cached.is_file():
        return str(cached)
    graph = fp32_model(path)
    try:
        base.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(graph)
        partial.replace(cached)  # atomic: a concurrent reader sees all of it or nothing
    except OSError:
        return graph
    _prune(base, name, keep=cached)
    return str(cached)


def _digest(path: Path) -> str:
    """The first 16 hex digits of the file's SHA-256, hashed once per process per version."""
    stat = path.stat()
    return _file_digest(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@cache
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    # size and mtime are part of the key so a rewritten file is hashed again
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()[:16]


def _prune(base: Path, name: str, keep: Path) -> None:
    """Remove other conversions of the model ``name`` (digest- or older mtime-named)."""
    own = re.compile(rf"{re.escape(name)}-(?:[0-9a-f]{{16}}|\d+-\d+)-fp32\.onnx")
    for old in base.iterdir():
        if old != keep and own.fullmatch(old.name):
            with contextlib.suppress(OSError):  # another process may have removed it
                old.unlink()


def fp32_model(path: Path) -> bytes:
    """The int8 model at ``path`` with its matrix products in fp32 (serialised, for a session).

    Built in ~0.4 s and not kept: once the session has it, holding 33 MB more per
    worker process would only cost memory (a process usually loads one scorer).
    """
    import onnx

    model = dequantize(onnx.load(str(path)))
    try:
        return model.SerializeToString()
    finally:
        del model


def dequantize(model):  # type: ignore[no-untyped-def]
    """Rewrite int8 matrix products as fp32 ones on dequantised weights.

    - ``DynamicQuantizeLinear(x) → MatMulInteger(xq, Wq) → Cast → Mul(·, sx·sW)``
      becomes ``MatMul(x, (Wq − zW)·sW)``;
    - ``QAttention(xq, Wq, b, sx, sW, mask, zx, zW)`` becomes
      ``Attention(x, (Wq − zW)·sW, b, mask)``;
    the quantisers left without consumers are removed. The embedding tables stay
    int8 (a lookup, not a product: nothing to gain, 35 MB to lose).
    """
    import numpy as np
    from onnx import helper, numpy_helper

    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    # One wrapper object per node (protobuf may hand out new ones on each iteration).
    all_nodes = list(graph.node)
    producer = {o: n for n in all_nodes for o in n.output}
    consumers: dict[str, list] = {}
    for n in all_nodes:
        for i in n.input:
            consumers.setdefault(i, []).append(n)

    def weight(q: str, scale: str, zero: str) -> str:
        name = q.removesuffix("_quantized") + "_dequantized"
        if name not in inits:
            wq = numpy_helper.to_array(inits[q]).astype(np.float32)
            w = (wq - numpy_helper.to_array(inits[zero]).astype(np.float32)) * (
                numpy_helper.to_array(inits[scale]).astype(np.float32))
            tensor = numpy_helper.from_array(w.astype(np.float32), name)
            graph.initializer.append(tensor)
            inits[name] = tensor
        return name

    def source(quantized: str) -> str:
        """The float tensor a DynamicQuantizeLinear output was computed from."""
        node = producer[quantized]
        if node.op_type != "DynamicQuantizeLinear":
            raise ValueError(f"unexpected producer {node.op_type} of {quantized}")
        return node.input[0]

    replaced: dict[int, list] = {}
    for n in all_nodes:
        if n.op_type == "MatMulInteger" and n.input[1] in inits:
            (cast,) = consumers[n.output[0]]
            (mul,) = consumers[cast.output[0]]
            if cast.op_type != "Cast" or mul.op_type != "Mul":
                raise ValueError(f"unexpected pattern after {n.name}")
            w_scale = n.input[1].removesuffix("_quantized") + "_scale"
            w = weight(n.input[1], w_scale, n.input[3])
            new = helper.make_node("MatMul", [source(n.input[0]), w], [mul.output[0]],
                                   name=f"{n.name}_fp32")
            replaced[id(n)] = [new]
            replaced[id(cast)] = []
            replaced[id(mul)] = []
        elif n.op_type == "QAttention":
            w = weight(n.input[1], n.input[4], n.input[7])
            inputs = [source(n.input[0]), w, n.input[2], n.input[5]]
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            new = helper.make_node("Attention", inputs, list(n.output), name=f"{n.name}_fp32",
                                   domain="com.microsoft", **attrs)
            replaced[id(n)] = [new]
    nodes = []
    for n in all_nodes:
        nodes.extend(replaced.get(id(n), [n]))
    # Drop what nothing reads any more (quantisers, the scale products), repeatedly.
    outputs = {o.name for o in graph.output}
    while True:
        read = {i for n in nodes for i in n.input} | outputs
        kept = [n for n in nodes if any(o in read for o in n.output)]
        if len(kept) == len(nodes):
            break
        nodes = kept
    del graph.node[:]
    graph.node.extend(nodes)
    read = {i for n in nodes for i in n.input}
    kept_inits = [i for i in graph.initializer if i.name in read]
    del graph.initializer[:]
    graph.initializer.extend(kept_inits)
    return model
