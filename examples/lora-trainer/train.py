#!/usr/bin/env python3
"""LoRA fine-tuning trainer for Tenantry workers (Hugging Face transformers + peft).

A Tenantry worker (`tenantry worker --command "<this script> --model-map PATH"`) claims a queued
fine-tuning job, downloads its files into a job folder and runs this script there, without a shell,
with four environment variables:

    TENANTRY_JOB              the job as the API shows it (OpenAI's fine-tuning job object)
    TENANTRY_TRAINING_FILE    path of the training JSONL file
    TENANTRY_VALIDATION_FILE  path of the validation JSONL file, or "" when the job has none
    TENANTRY_OUTPUT_DIR       a folder; every file left in it becomes one of the job's result files

Protocol. Standard output carries JSON lines and nothing else, one object per line, flushed at once:

    {"type": "message", "level": "info"|"warn"|"error", "message": "..."}
    {"type": "metrics", "step": N, "total_steps": M, "train_loss": x, "valid_loss": y,
     "learning_rate": z, "epoch": e}                      (valid_loss only after a validation pass)
    {"type": "checkpoint", "step": N, "path": "checkpoint-N"}  (relative to TENANTRY_OUTPUT_DIR)

The worker turns these into the job's events and checkpoints. Everything else (library logs, warnings,
progress bars, tracebacks) goes to standard error: before the ML libraries are imported, file
descriptor 1 is pointed at standard error and the protocol keeps a private copy of the original.
Exit 0 means success. A failure prints an error message line first, then exits 2 for a job this
trainer cannot take (bad job, bad data, base model not in the model map) or 1 when training fails.

The base model is loaded from a local folder only (HF_HUB_OFFLINE=1, local_files_only=True). The job's
`model` is looked up in a JSON map {"<model id>": "<folder>"} given by `--model-map PATH` or the
environment variable TENANTRY_MODEL_MAP (the JSON itself).

Training file lines, each one of:

    {"messages": [{"role": "system"|"user"|"assistant", "content": "..."}, ...]}  (last: assistant)
    {"prompt": "...", "completion": "..."}
    {"text": "..."}

Only the assistant's last reply, or the completion, is learned (the prompt tokens' labels are -100);
a text line is learned whole.

Other modes: `--make-tiny-model DIR` writes a tiny random Llama and its tokenizer (built locally, no
download) for smoke tests; `--self-test` checks the pure helpers with the standard library only.

Only the standard library is imported at module level, so `--help`, `--self-test` and
`python3 -m py_compile` work where torch, transformers and peft are not installed.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TextIO

# Defaults for the job's "auto" hyperparameters.
DEFAULT_EPOCHS = 3
DEFAULT_BATCH_SIZE = 4
BASE_LEARNING_RATE = 2e-4  # a common LoRA learning rate; the job's multiplier scales it
DEFAULT_SEED = 42

# At most about this many metrics lines per job, so a long run does not flood the job's events.
MAX_METRICS_LINES = 500

ROLES = ("system", "user", "assistant")
# Attention projection names across common architectures (Llama/Mistral/Qwen, GPT-NeoX, Falcon, MPT, ...).
ATTENTION_PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj", "query_key_value", "Wqkv", "c_attn")

EXIT_OK = 0
EXIT_TRAINING_FAILED = 1
EXIT_REFUSED = 2  # the job cannot be taken as given: nothing was trained


class RefusedError(Exception):
    """A job this trainer cannot take (bad job JSON, bad data, unknown model); its text is the message."""


# --------------------------------------------------------------------------------------------------
# Protocol
# --------------------------------------------------------------------------------------------------


def message_event(level: str, message: str) -> dict[str, Any]:
    if level not in ("info", "warn", "error"):
        raise ValueError(f"unknown message level {level!r}")
    return {"type": "message", "level": level, "message": message}


def metrics_event(
    step: int,
    total_steps: int,
    train_loss: float,
    learning_rate: float,
    epoch: float,
    valid_loss: float | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "metrics",
        "step": step,
        "total_steps": total_steps,
        "train_loss": float(train_loss),
    }
    if valid_loss is not None:
        event["valid_loss"] = float(valid_loss)
    event["learning_rate"] = float(learning_rate)
    event["epoch"] = round(float(epoch), 4)
    return event


def checkpoint_event(step: int, path: str) -> dict[str, Any]:
    return {"type": "checkpoint", "step": step, "path": path}


def format_event(event: Mapping[str, Any]) -> str:
    """One protocol line. NaN and infinity are refused: they are not JSON and the worker could not parse them."""
    return json.dumps(event, allow_nan=False, separators=(", ", ": ")) + "\n"


class Protocol:
    """Writes protocol lines to the stream the worker reads, flushing each so events arrive as they happen."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def emit(self, event: Mapping[str, Any]) -> None:
        self.stream.write(format_event(event))
        self.stream.flush()

    def info(self, message: str) -> None:
        self.emit(message_event("info", message))

    def warn(self, message: str) -> None:
        self.emit(message_event("warn", message))

    def error(self, message: str) -> None:
        self.emit(message_event("error", message))


def claim_stdout_for_protocol() -> Protocol:
    """Keep the real stdout for the protocol and send everything else written to fd 1 to stderr.

    Redirecting at the file-descriptor level also catches output from C extensions and subprocesses,
    which replacing sys.stdout alone would miss.
    """
    sys.stdout.flush()
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return Protocol(os.fdopen(protocol_fd, "w", encoding="utf-8", buffering=1))


# --------------------------------------------------------------------------------------------------
# Training data
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One validated line of a training or validation file."""

    line: int
    kind: str  # "messages", "prompt_completion" or "text"
    messages: tuple[dict[str, str], ...] = ()
    prompt: str = ""
    completion: str = ""
    text: str = ""


def parse_example(obj: Any, line: int) -> Example:
    """Validate one decoded JSONL line; a refusal names the line (counting from 1) and the problem."""

    def refuse(problem: str) -> RefusedError:
        return RefusedError(f"line {line}: {problem}")

    if not isinstance(obj, dict):
        raise refuse("expected a JSON object")
    formats = [key for key in ("messages", "prompt", "text") if key in obj]
    if len(formats) != 1:
        raise refuse('expected exactly one of "messages", "prompt"/"completion" or "text"')

    if "messages" in obj:
        messages = obj["messages"]
        if not isinstance(messages, list) or not messages:
            raise refuse('"messages" must be a non-empty list')
        checked: list[dict[str, str]] = []
        for index, message in enumerate(messages):
            if not isinstance(message, dict):
                raise refuse(f"messages[{index}] must be an object")
            role, content = message.get("role"), message.get("content")
            if role not in ROLES:
                raise refuse(f'messages[{index}].role must be one of {", ".join(ROLES)}')
            if not isinstance(content, str):
                raise refuse(f"messages[{index}].content must be a string")
            checked.append({"role": role, "content": content})
        if checked[-1]["role"] != "assistant":
            raise refuse("the last message must be the assistant's")
        return Example(line=line, kind="messages", messages=tuple(checked))

    if "prompt" in obj:
        prompt, completion = obj.get("prompt"), obj.get("completion")
        if not isinstance(prompt, str) or not isinstance(completion, str):
            raise refuse('"prompt" and "completion" must both be strings')
        if not completion:
            raise refuse('"completion" is empty: there is nothing to learn')
        return Example(line=line, kind="prompt_completion", prompt=prompt, completion=completion)

    text = obj["text"]
    if not isinstance(text, str) or not text:
        raise refuse('"text" must be a non-empty string')
    return Example(line=line, kind="text", text=text)


def parse_jsonl(lines: Iterable[str]) -> list[Example]:
    """Parse JSONL text line by line; blank lines are skipped but still counted for line numbers."""
    examples = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as error:
            raise RefusedError(f"line {number}: not valid JSON ({error.msg})") from None
        examples.append(parse_example(obj, number))
    return examples


def read_jsonl(path: str, what: str) -> list[Example]:
    """Read a whole JSONL file; errors name the file's role (training/validation) and the line."""
    try:
        with open(path, encoding="utf-8") as handle:
            examples = parse_jsonl(handle)
    except OSError as error:
        raise RefusedError(f"cannot read the {what} file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise RefusedError(f"the {what} file is not UTF-8 text") from None
    except RefusedError as error:
        raise RefusedError(f"{what} file, {error}") from None
    if not examples:
        raise RefusedError(f"the {what} file has no examples")
    return examples


# A segment is a piece of text and whether its tokens are learned (True) or only context (False).
Segment = tuple[str, bool]
# Renders messages with a model's chat template: (messages, add_generation_prompt) -> text.
ChatRenderer = Callable[[list[dict[str, str]], bool], str]


def render_plain_conversation(messages: Sequence[Mapping[str, str]]) -> str:
    """The fallback for tokenizers without a chat template: one "role: content" line per message."""
    return "".join(f"{m['role']}: {m['content']}\n" for m in messages)


def build_segments(example: Example, render_chat: ChatRenderer | None) -> tuple[list[Segment], bool]:
    """Split an example into context and learned text. Returns (segments, masked).

    `masked` is False when a chat template does not render the conversation as "prompt, then reply"
    (some templates rewrite earlier turns); the whole conversation is then learned rather than
    guessing where the reply starts.
    """
    if example.kind == "text":
        return [(example.text, True)], True
    if example.kind == "prompt_completion":
        return [(example.prompt, False), (example.completion, True)], True

    messages = [dict(m) for m in example.messages]
    if render_chat is None:
        context = render_plain_conversation(messages[:-1]) + "assistant: "
        return [(context, False), (messages[-1]["content"], True)], True
    prompt = render_chat(messages[:-1], True)
    full = render_chat(messages, False)
    if full.startswith(prompt):
        return [(prompt, False), (full[len(prompt):], True)], True
    return [(full, True)], False


# --------------------------------------------------------------------------------------------------
# Job, hyperparameters and model map
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hyperparameters:
    n_epochs: int
    batch_size: int
    learning_rate: float
    seed: int


def _positive_int(value: Any, name: str, default: int) -> int:
    if value is None or value == "auto":
        return default
    # bool is an int in Python; true/false is never a sensible epoch count or batch size.
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RefusedError(f'hyperparameters.{name} must be a positive integer or "auto", not {json.dumps(value)}')
    return value


def resolve_hyperparameters(job: Mapping[str, Any]) -> Hyperparameters:
    """Merge the job's hyperparameters: `method.<type>.hyperparameters` wins over the older top-level ones."""
    method = job.get("method") or {}
    if not isinstance(method, dict):
        raise RefusedError("method must be an object")
    method_type = method.get("type", "supervised")
    if method_type != "supervised":
        raise RefusedError(f'this trainer does supervised fine-tuning only; the job asks for method "{method_type}"')

    merged: dict[str, Any] = {}
    for source in (job.get("hyperparameters"), (method.get("supervised") or {}).get("hyperparameters")):
        if source is None:
            continue
        if not isinstance(source, dict):
            raise RefusedError("hyperparameters must be an object")
        merged.update({key: value for key, value in source.items() if value is not None})

    multiplier = merged.get("learning_rate_multiplier", "auto")
    if multiplier == "auto":
        multiplier = 1.0
    elif isinstance(multiplier, bool) or not isinstance(multiplier, (int, float)) or not multiplier > 0:
        raise RefusedError(
            "hyperparameters.learning_rate_multiplier must be a positive number or \"auto\", "
            f"not {json.dumps(multiplier)}"
        )

    seed = job.get("seed")
    if seed is None:
        seed = DEFAULT_SEED
    elif isinstance(seed, bool) or not isinstance(seed, int):
        raise RefusedError(f"seed must be an integer, not {json.dumps(seed)}")

    return Hyperparameters(
        n_epochs=_positive_int(merged.get("n_epochs"), "n_epochs", DEFAULT_EPOCHS),
        batch_size=_positive_int(merged.get("batch_size"), "batch_size", DEFAULT_BATCH_SIZE),
        learning_rate=BASE_LEARNING_RATE * float(multiplier),
        seed=seed,
    )


def load_job(text: str | None) -> dict[str, Any]:
    if not text:
        raise RefusedError("TENANTRY_JOB is not set: run this trainer through `tenantry worker`, or set it by hand")
    try:
        job = json.loads(text)
    except json.JSONDecodeError as error:
        raise RefusedError(f"TENANTRY_JOB is not valid JSON ({error.msg})") from None
    if not isinstance(job, dict) or not isinstance(job.get("model"), str) or not job["model"]:
        raise RefusedError('TENANTRY_JOB must be a job object with a "model"')
    return job


def parse_model_map(text: str, origin: str, base_dir: Path | None = None) -> dict[str, str]:
    """Parse {"model id": "local folder"}; a relative folder is taken from base_dir (the map file's folder)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise RefusedError(f"{origin} is not valid JSON ({error.msg})") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) and v for k, v in data.items()):
        raise RefusedError(f'{origin} must be a JSON object {{"<model id>": "<local folder>", ...}}')
    resolved = {}
    for model_id, folder in data.items():
        path = Path(folder).expanduser()
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        resolved[model_id] = str(path)
    return resolved


def load_model_map(map_path: str | None, env: Mapping[str, str]) -> dict[str, str]:
    """The --model-map file wins over TENANTRY_MODEL_MAP, so an operator can override per worker."""
    if map_path:
        try:
            text = Path(map_path).read_text(encoding="utf-8")
        except OSError as error:
            raise RefusedError(f"cannot read the model map {map_path}: {error.strerror}") from None
        return parse_model_map(text, f"the model map {map_path}", Path(map_path).resolve().parent)
    if env.get("TENANTRY_MODEL_MAP"):
        return parse_model_map(env["TENANTRY_MODEL_MAP"], "TENANTRY_MODEL_MAP")
    raise RefusedError("no model map: pass --model-map PATH or set TENANTRY_MODEL_MAP")


def resolve_model_path(model_id: str, model_map: Mapping[str, str]) -> str:
    if model_id not in model_map:
        known = ", ".join(sorted(model_map)) or "none"
        raise RefusedError(f'base model "{model_id}" is not in the model map (known: {known})')
    return model_map[model_id]


# --------------------------------------------------------------------------------------------------
# Small training helpers (pure)
# --------------------------------------------------------------------------------------------------


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def make_batches(n_examples: int, batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffle example indices and cut them into batches; the last batch may be smaller."""
    order = list(range(n_examples))
    rng.shuffle(order)
    return [order[start:start + batch_size] for start in range(0, n_examples, batch_size)]


def metrics_interval(total_steps: int) -> int:
    """Log every step for small runs, every few steps for large ones (about MAX_METRICS_LINES lines)."""
    return max(1, math.ceil(total_steps / MAX_METRICS_LINES))


def learning_rate_factor(step: int, total_steps: int, warmup_steps: int) -> float:
    """Linear warm-up then linear decay to zero; `step` counts optimizer steps already taken."""
    if step < warmup_steps:
        return (step + 1) / (warmup_steps + 1)
    remaining = total_steps - step
    return max(0.0, remaining / max(1, total_steps - warmup_steps))


def choose_lora_targets(linear_names: Iterable[str]) -> list[str] | str:
    """Adapt the attention projections when the model has recognisable ones; otherwise every linear layer."""
    present = set(linear_names)
    found = [name for name in ATTENTION_PROJECTIONS if name in present]
    return found if found else "all-linear"


# --------------------------------------------------------------------------------------------------
# Training (imports torch, transformers and peft)
# --------------------------------------------------------------------------------------------------


@dataclass
class Encoded:
    input_ids: list[int]
    labels: list[int]


@dataclass
class EncodeStats:
    skipped: int = 0  # nothing left to learn after truncation
    unmasked: int = 0  # chat template not prefix-stable: learned whole
    truncated: int = 0
    lines_skipped: list[int] = field(default_factory=list)


def quiet_libraries() -> None:
    """Offline, and no progress bars: logs go to stderr anyway, but bars make them unreadable."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    # The tokenizers library warns (and may deadlock) if it forks after using threads.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import transformers

    transformers.utils.logging.set_verbosity_warning()
    transformers.utils.logging.disable_progress_bar()


def make_chat_renderer(tokenizer: Any) -> ChatRenderer | None:
    if not getattr(tokenizer, "chat_template", None):
        return None

    def render(messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)

    return render


def encode_example(
    example: Example, tokenizer: Any, render_chat: ChatRenderer | None, max_length: int, stats: EncodeStats
) -> Encoded | None:
    """Tokenize segment by segment so the prompt/reply boundary is exact, then add BOS/EOS and truncate."""
    try:
        segments, masked = build_segments(example, render_chat)
    except Exception as error:  # a chat template may refuse a conversation (e.g. no system role)
        problem = f"the model's chat template refused this conversation: {error}"
        raise RefusedError(f"line {example.line}: {problem}") from None
    if not masked:
        stats.unmasked += 1

    input_ids: list[int] = []
    labels: list[int] = []
    # Chat templates write their own BOS and end-of-turn tokens; for plain text we add them like a
    # tokenizer would, so the model sees the framing it was pretrained with and learns to stop.
    uses_template = example.kind == "messages" and render_chat is not None
    if not uses_template and tokenizer.bos_token_id is not None:
        input_ids.append(tokenizer.bos_token_id)
        labels.append(-100)
    for text, learned in segments:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        input_ids.extend(ids)
        labels.extend(ids if learned else [-100] * len(ids))
    if not uses_template and tokenizer.eos_token_id is not None:
        input_ids.append(tokenizer.eos_token_id)
        labels.append(tokenizer.eos_token_id)

    if len(input_ids) > max_length:
        stats.truncated += 1
        input_ids, labels = input_ids[:max_length], labels[:max_length]
    # The model predicts token i from tokens < i, so a label at position 0 is never learned.
    if not any(label != -100 for label in labels[1:]):
        stats.skipped += 1
        stats.lines_skipped.append(example.line)
        return None
    return Encoded(input_ids, labels)


def encode_all(
    examples: Sequence[Example], tokenizer: Any, max_length: int, what: str, protocol: Protocol
) -> list[Encoded]:
    render_chat = make_chat_renderer(tokenizer)
    stats = EncodeStats()
    encoded = []
    for example in examples:
        item = encode_example(example, tokenizer, render_chat, max_length, stats)
        if item is not None:
            encoded.append(item)
    if stats.truncated:
        protocol.warn(f"{stats.truncated} {what} examples were longer than {max_length} tokens and were cut")
    if stats.unmasked:
        protocol.warn(
            f"{stats.unmasked} {what} conversations are not rendered as prompt-then-reply by the chat template; "
            "they are learned whole"
        )
    if stats.skipped:
        lines = ", ".join(str(n) for n in stats.lines_skipped[:10])
        protocol.warn(
            f"{stats.skipped} {what} examples had nothing to learn after truncation and were skipped (lines {lines})"
        )
    if not encoded:
        raise RefusedError(f"no usable {what} examples (all were empty after tokenization)")
    return encoded


def collate(batch: Sequence[Encoded], pad_id: int, device: Any) -> dict[str, Any]:
    """Right-pad to the longest sequence; padding is masked in attention and ignored in the loss."""
    import torch

    width = max(len(item.input_ids) for item in batch)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), -100, dtype=torch.long)
    attention = torch.zeros((len(batch), width), dtype=torch.long)
    for row, item in enumerate(batch):
        n = len(item.input_ids)
        input_ids[row, :n] = torch.tensor(item.input_ids)
        labels[row, :n] = torch.tensor(item.labels)
        attention[row, :n] = 1
    return {"input_ids": input_ids.to(device), "attention_mask": attention.to(device), "labels": labels.to(device)}


def learned_tokens(labels: Any) -> int:
    """How many tokens the causal-LM loss averages over (labels are shifted by one inside the model)."""
    return int((labels[:, 1:] != -100).sum().item())


def pick_device() -> tuple[str, Any, str]:
    """(device, dtype, description): bf16 on GPUs that support it, else float32 (fp16 would need loss scaling)."""
    import torch

    if torch.cuda.is_available():
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
        names = {torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())}
        return "cuda", dtype, f"{torch.cuda.device_count()} x {', '.join(sorted(names))}"
    return "cpu", torch.float32, "the CPU, as no GPU was found (practical for a tiny model only)"


def load_model_and_tokenizer(model_path: str, device: str, dtype: Any) -> tuple[Any, Any]:
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)
    kwargs: dict[str, Any] = {"local_files_only": True, "low_cpu_mem_usage": True}
    # transformers 4.56 renamed torch_dtype to dtype; the old name still works there but warns.
    major, minor = (int(part) for part in transformers.__version__.split(".")[:2])
    kwargs["dtype" if (major, minor) >= (4, 56) else "torch_dtype"] = dtype
    if device == "cuda":
        # Several GPUs: spread the layers over them (naive pipeline); one GPU: everything on it.
        kwargs["device_map"] = "auto" if torch.cuda.device_count() > 1 else {"": 0}
    model = AutoModelForCausalLM.from_pretrained(model_path, **kwargs)
    model.config.use_cache = False  # the KV cache is for generation; in training it only costs memory
    return model, tokenizer


def apply_lora(model: Any, args: argparse.Namespace, protocol: Protocol) -> Any:
    import torch
    from peft import LoraConfig, get_peft_model

    linear_names = {
        name.rsplit(".", 1)[-1] for name, module in model.named_modules() if isinstance(module, torch.nn.Linear)
    }
    targets = choose_lora_targets(linear_names)
    config = LoraConfig(
        r=args.lora_r,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        target_modules=targets,
        bias="none",
        task_type="CAUSAL_LM",
    )
    if args.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    model = get_peft_model(model, config)
    trainable, total = model.get_nb_trainable_parameters()
    shown = targets if isinstance(targets, str) else ", ".join(targets)
    protocol.info(
        f"LoRA r={args.lora_r} alpha={args.lora_alpha} on {shown}: "
        f"{trainable:,} trainable parameters of {total:,} ({100 * trainable / total:.3f}%)"
    )
    return model


def batch_loss(
    model: Any, batch: Sequence[Encoded], micro_batch_size: int, pad_id: int, device: Any, train: bool
) -> tuple[float, int]:
    """Token-weighted loss over a batch, in micro-batches; backpropagates when `train`.

    Returns (summed token loss, learned tokens). Weighting by tokens keeps the gradient the same
    whatever the micro-batch split, unlike averaging the micro-batches' mean losses.
    """
    import torch

    chunks = [batch[i:i + micro_batch_size] for i in range(0, len(batch), micro_batch_size)]
    tensors = [collate(chunk, pad_id, device) for chunk in chunks]
    total_tokens = sum(learned_tokens(t["labels"]) for t in tensors)
    summed = 0.0
    for inputs in tensors:
        tokens = learned_tokens(inputs["labels"])
        if tokens == 0:
            continue
        with torch.set_grad_enabled(train):
            loss = model(**inputs).loss * tokens  # the model's loss is the mean over this chunk's tokens
            if train:
                (loss / total_tokens).backward()
        summed += float(loss.detach().float().item())
    return summed, total_tokens


def validation_loss(model: Any, data: Sequence[Encoded], micro_batch_size: int, pad_id: int, device: Any) -> float:
    model.eval()
    summed, tokens = 0.0, 0
    for start in range(0, len(data), micro_batch_size):
        chunk = data[start:start + micro_batch_size]
        chunk_sum, chunk_tokens = batch_loss(model, chunk, micro_batch_size, pad_id, device, train=False)
        summed, tokens = summed + chunk_sum, tokens + chunk_tokens
    model.train()
    return summed / max(1, tokens)


def train(
    args: argparse.Namespace,
    job: Mapping[str, Any],
    model_path: str,
    train_examples: Sequence[Example],
    valid_examples: Sequence[Example],
    hyper: Hyperparameters,
    output_dir: Path,
    protocol: Protocol,
) -> None:
    started = time.monotonic()
    quiet_libraries()
    import torch
    import transformers

    transformers.set_seed(hyper.seed)  # Python, NumPy and torch (all GPUs) at once
    device, dtype, device_text = pick_device()
    dtype_name = str(dtype).replace("torch.", "")
    protocol.info(f"Loading base model {job['model']} from {model_path} in {dtype_name} on {device_text}")
    model, tokenizer = load_model_and_tokenizer(model_path, device, dtype)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else (tokenizer.eos_token_id or 0)
    max_length = args.max_seq_length
    model_limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(model_limit, int) and 0 < model_limit < max_length:
        max_length = model_limit

    train_data = encode_all(train_examples, tokenizer, max_length, "training", protocol)
    valid_data = encode_all(valid_examples, tokenizer, max_length, "validation", protocol) if valid_examples else []
    model = apply_lora(model, args, protocol)
    model.train()
    input_device = model.get_input_embeddings().weight.device

    steps_per_epoch = math.ceil(len(train_data) / hyper.batch_size)
    total_steps = steps_per_epoch * hyper.n_epochs
    warmup_steps = int(total_steps * args.warmup_ratio)
    micro = min(args.micro_batch_size or hyper.batch_size, hyper.batch_size)
    protocol.info(
        f"{len(train_data)} training and {len(valid_data)} validation examples; {plural(hyper.n_epochs, 'epoch')} of "
        f"{plural(steps_per_epoch, 'step')} ({total_steps} in all), batch size {hyper.batch_size}"
        + (f" in micro-batches of {micro}" if micro < hyper.batch_size else "")
        + f", learning rate {hyper.learning_rate:g}, seed {hyper.seed}"
    )

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=hyper.learning_rate, weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda taken: learning_rate_factor(taken, total_steps, warmup_steps)
    )
    interval = metrics_interval(total_steps)
    rng = random.Random(hyper.seed)

    step = 0
    window_loss, window_tokens = 0.0, 0  # losses since the last metrics line
    last_train_loss = last_valid_loss = None
    for _ in range(hyper.n_epochs):
        for batch_index, indices in enumerate(make_batches(len(train_data), hyper.batch_size, rng)):
            learning_rate = scheduler.get_last_lr()[0]
            batch = [train_data[i] for i in indices]
            summed, tokens = batch_loss(model, batch, micro, pad_id, input_device, train=True)
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            loss = summed / max(1, tokens)
            if not math.isfinite(loss):
                raise RuntimeError(f"the training loss is {loss} at step {step}; try a lower learning_rate_multiplier")
            window_loss, window_tokens = window_loss + summed, window_tokens + tokens

            end_of_epoch = batch_index == steps_per_epoch - 1
            valid_loss = None
            if end_of_epoch and valid_data:
                valid_loss = validation_loss(model, valid_data, micro, pad_id, input_device)
            if end_of_epoch or step == 1 or step % interval == 0:
                last_train_loss = window_loss / max(1, window_tokens)
                protocol.emit(
                    metrics_event(step, total_steps, last_train_loss, learning_rate, step / steps_per_epoch, valid_loss)
                )
                window_loss, window_tokens = 0.0, 0
            if valid_loss is not None:
                last_valid_loss = valid_loss
            if end_of_epoch:
                name = f"checkpoint-{step}"
                model.save_pretrained(str(output_dir / name))
                protocol.emit(checkpoint_event(step, name))

    final_dir = output_dir / "adapter"
    model.save_pretrained(str(final_dir))
    tokenizer.save_pretrained(str(final_dir))  # so the adapter folder is usable with the base model alone
    elapsed = time.monotonic() - started
    summary = {
        "base_model": job["model"],
        "job_id": job.get("id"),
        "steps": total_steps,
        "epochs": hyper.n_epochs,
        "batch_size": hyper.batch_size,
        "learning_rate": hyper.learning_rate,
        "seed": hyper.seed,
        "training_examples": len(train_data),
        "validation_examples": len(valid_data),
        "final_train_loss": last_train_loss,
        "final_valid_loss": last_valid_loss,
        "lora": {"r": args.lora_r, "alpha": args.lora_alpha, "dropout": args.lora_dropout},
        "device": device_text,
        "elapsed_seconds": round(elapsed, 2),
    }
    (output_dir / "training_summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    protocol.info(
        f"Training finished in {elapsed:.1f}s: {plural(total_steps, 'step')}, final train loss {last_train_loss:.4f}"
        + (f", valid loss {last_valid_loss:.4f}" if last_valid_loss is not None else "")
        + "; the LoRA adapter is in adapter/"
    )


def run_job(args: argparse.Namespace, env: Mapping[str, str], protocol: Protocol) -> int:
    """Check everything that needs no ML library first, so a bad job is refused in milliseconds."""
    try:
        job = load_job(env.get("TENANTRY_JOB"))
        model_path = resolve_model_path(job["model"], load_model_map(args.model_map, env))
        if not Path(model_path).is_dir():
            raise RefusedError(f'the model map sends "{job["model"]}" to {model_path}, which is not a folder')
        hyper = resolve_hyperparameters(job)
        training_file = env.get("TENANTRY_TRAINING_FILE")
        if not training_file:
            raise RefusedError("TENANTRY_TRAINING_FILE is not set")
        if not env.get("TENANTRY_OUTPUT_DIR"):
            raise RefusedError("TENANTRY_OUTPUT_DIR is not set")
        train_examples = read_jsonl(training_file, "training")
        validation_file = env.get("TENANTRY_VALIDATION_FILE", "")
        valid_examples = read_jsonl(validation_file, "validation") if validation_file else []
        output_dir = Path(env["TENANTRY_OUTPUT_DIR"]).resolve()
        output_dir.mkdir(parents=True, exist_ok=True)
    except RefusedError as error:
        protocol.error(str(error))
        return EXIT_REFUSED

    protocol.info(
        f"Fine-tuning {job['model']} with LoRA for job {job.get('id', '(no id)')}: "
        f"{len(train_examples)} training examples, {len(valid_examples)} validation examples"
    )
    try:
        train(args, job, model_path, train_examples, valid_examples, hyper, output_dir, protocol)
    except RefusedError as error:
        protocol.error(str(error))
        return EXIT_REFUSED
    except ImportError as error:
        protocol.error(f"a Python package is missing ({error}); install examples/lora-trainer/requirements.txt")
        return EXIT_TRAINING_FAILED
    except Exception as error:  # report any failure as a protocol line; the traceback goes to stderr
        import traceback

        traceback.print_exc(file=sys.stderr)
        text = f"{type(error).__name__}: {error}".strip()
        if "out of memory" in text.lower():
            text += " (try --micro-batch-size 1, --gradient-checkpointing or a shorter --max-seq-length)"
        protocol.error(f"training failed: {text[:2000]}")
        return EXIT_TRAINING_FAILED
    return EXIT_OK


# --------------------------------------------------------------------------------------------------
# --make-tiny-model
# --------------------------------------------------------------------------------------------------

TINY_CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Hello! How can I help you today?",
    "What is the capital of France? The capital of France is Paris.",
    "Translate to French: good morning. Bonjour.",
    "user: assistant: system: You are a helpful assistant.",
    "0123456789 + - * / = ( ) [ ] { } , . ; : ' \" ? !",
]

# A minimal chat template, so that smoke tests exercise the chat-template path and prompt masking.
TINY_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}{{ eos_token }}\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def make_tiny_model(directory: str, protocol: Protocol) -> int:
    """Write a tiny random Llama and a byte-level BPE tokenizer trained here, without any download."""
    quiet_libraries()
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<pad>", "<s>", "</s>", "<unk>"]
    backend = Tokenizer(models.BPE(unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    # The full byte alphabet means any text can be encoded, whatever the corpus covered.
    trainer = trainers.BpeTrainer(
        vocab_size=512, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    backend.train_from_iterator(TINY_CORPUS * 4, trainer=trainer)
    bos_id = backend.token_to_id("<s>")
    backend.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B:1", special_tokens=[("<s>", bos_id)]
    )

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        model_max_length=2048,
    )
    tokenizer.chat_template = TINY_CHAT_TEMPLATE

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=2048,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config)
    Path(directory).mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    n_params = sum(p.numel() for p in model.parameters())
    protocol.info(f"Wrote a tiny random Llama ({n_params:,} parameters, vocabulary {len(tokenizer)}) to {directory}")
    return EXIT_OK


# --------------------------------------------------------------------------------------------------
# --self-test (standard library only)
# --------------------------------------------------------------------------------------------------


class _Checks:
    """A tiny assertion helper that survives `python -O` (which strips assert statements)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, condition: bool, what: str) -> None:
        if not condition:
            raise AssertionError(what)
        self.count += 1

    def refused(self, fn: Callable[[], Any], expected: str) -> None:
        try:
            fn()
        except RefusedError as error:
            self(expected in str(error), f"expected {expected!r} in {str(error)!r}")
            return
        raise AssertionError(f"expected a refusal containing {expected!r}")

    def raises_value_error(self, fn: Callable[[], Any], what: str) -> None:
        try:
            fn()
        except ValueError:
            self(True, what)
            return
        raise AssertionError(what)


def _test_jsonl(check: _Checks) -> list[Example]:
    conversation = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello."},
    ]
    sample = [
        json.dumps({"messages": conversation}),
        "",
        json.dumps({"prompt": "2+2=", "completion": " 4"}),
        json.dumps({"text": "Plain text."}),
    ]
    examples = parse_jsonl(sample)
    check([e.kind for e in examples] == ["messages", "prompt_completion", "text"], "three formats parsed")
    check([e.line for e in examples] == [1, 3, 4], "line numbers count blank lines")
    check(examples[0].messages[-1] == {"role": "assistant", "content": "Hello."}, "messages kept")

    check.refused(lambda: parse_jsonl(["{}", "not json"]), "line 1: expected exactly one")
    check.refused(lambda: parse_jsonl(['{"text": "a"}', "not json"]), "line 2: not valid JSON")
    check.refused(lambda: parse_jsonl(["[1, 2]"]), "expected a JSON object")
    check.refused(lambda: parse_jsonl(['{"prompt": "x", "text": "y"}']), "exactly one")
    check.refused(lambda: parse_jsonl(['{"prompt": "x"}']), '"completion" must both be strings')
    check.refused(lambda: parse_jsonl(['{"text": ""}']), '"text" must be a non-empty string')
    check.refused(lambda: parse_jsonl(['{"messages": []}']), "non-empty list")
    only_user = '{"messages": [{"role": "user", "content": "x"}]}'
    check.refused(lambda: parse_jsonl([only_user]), "last message must be the assistant")
    check.refused(lambda: parse_jsonl(['{"messages": [{"role": "robot", "content": "x"}]}']), "messages[0].role")
    check.refused(lambda: parse_jsonl(['{"messages": [{"role": "assistant", "content": 3}]}']), "messages[0].content")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "train.jsonl"
        path.write_text("\n".join(sample) + "\n", encoding="utf-8")
        check(len(read_jsonl(str(path), "training")) == 3, "read_jsonl reads a file")
        path.write_text("\n\n", encoding="utf-8")
        check.refused(lambda: read_jsonl(str(path), "training"), "the training file has no examples")
        path.write_text('{"text": "a"}\n{"text": 1}\n', encoding="utf-8")
        check.refused(lambda: read_jsonl(str(path), "validation"), "validation file, line 2:")
        missing = str(Path(folder) / "missing.jsonl")
        check.refused(lambda: read_jsonl(missing, "validation"), "cannot read the validation file")

    bundled = Path(__file__).resolve().parent / "sample-train.jsonl"
    if bundled.exists():
        check(all(e.kind == "messages" for e in read_jsonl(str(bundled), "training")), "sample-train.jsonl parses")
    return examples


def _test_segments(check: _Checks, examples: list[Example]) -> None:
    conversation, prompt_completion, text = examples
    segments, masked = build_segments(conversation, None)
    expected = [("system: Be brief.\nuser: Hi\nassistant: ", False), ("Hello.", True)]
    check(segments == expected and masked, "plain conversation: context, then the reply")
    check(build_segments(prompt_completion, None) == ([("2+2=", False), (" 4", True)], True), "prompt/completion")
    check(build_segments(text, None) == ([("Plain text.", True)], True), "text is learned whole")

    def template(messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
        turns = "".join(f"<{m['role']}>{m['content']}</>" for m in messages)
        return turns + ("<assistant>" if add_generation_prompt else "")

    def template_reply_first(messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
        return "".join(f"<{m['role']}>{m['content']}" for m in reversed(messages))

    segments, masked = build_segments(conversation, template)
    check(masked and not segments[0][1] and segments[1] == ("Hello.</>", True), "chat template: prompt masked")
    check(build_segments(conversation, template_reply_first)[1] is False, "non-prefix template: learned whole")


def _test_hyperparameters(check: _Checks) -> None:
    defaults = Hyperparameters(DEFAULT_EPOCHS, DEFAULT_BATCH_SIZE, BASE_LEARNING_RATE, DEFAULT_SEED)
    check(resolve_hyperparameters({"model": "m"}) == defaults, "no hyperparameters: defaults")
    auto = {"n_epochs": "auto", "batch_size": "auto", "learning_rate_multiplier": "auto"}
    check(resolve_hyperparameters({"hyperparameters": auto, "seed": 7}) == Hyperparameters(3, 4, 2e-4, 7), "auto")

    explicit = {"n_epochs": 2, "batch_size": 8, "learning_rate_multiplier": 0.5}
    top = resolve_hyperparameters({"hyperparameters": explicit})
    check((top.n_epochs, top.batch_size, top.learning_rate) == (2, 8, 1e-4), "top-level hyperparameters")
    method = {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 5, "learning_rate_multiplier": 2}}}
    merged = resolve_hyperparameters({"hyperparameters": {"n_epochs": 2, "batch_size": 8}, "method": method})
    check((merged.n_epochs, merged.batch_size, merged.learning_rate) == (5, 8, 4e-4), "method's hyperparameters win")

    def hyper(values: dict[str, Any]) -> Callable[[], Any]:
        return lambda: resolve_hyperparameters({"hyperparameters": values})

    check.refused(hyper({"n_epochs": 0}), "n_epochs must be a positive integer")
    check.refused(hyper({"batch_size": True}), "batch_size must be a positive integer")
    check.refused(hyper({"batch_size": 2.5}), "batch_size must be a positive integer")
    check.refused(hyper({"learning_rate_multiplier": -1}), "learning_rate_multiplier must be a positive number")
    check.refused(lambda: resolve_hyperparameters({"method": {"type": "dpo"}}), 'the job asks for method "dpo"')
    check.refused(lambda: resolve_hyperparameters({"seed": "x"}), "seed must be an integer")


def _test_job_and_model_map(check: _Checks) -> None:
    check(load_job('{"id": "ftjob-1", "model": "m"}')["id"] == "ftjob-1", "job parses")
    check.refused(lambda: load_job(""), "TENANTRY_JOB is not set")
    check.refused(lambda: load_job("{"), "TENANTRY_JOB is not valid JSON")
    check.refused(lambda: load_job('{"id": 1}'), 'with a "model"')

    env = {"TENANTRY_MODEL_MAP": '{"org/base": "/models/base"}'}
    check(load_model_map(None, env) == {"org/base": "/models/base"}, "model map from the environment")
    with tempfile.TemporaryDirectory() as folder:
        map_file = Path(folder) / "map.json"
        map_file.write_text('{"org/base": "weights/base", "abs": "/models/abs"}', encoding="utf-8")
        from_file = load_model_map(str(map_file), env)  # the file wins over the environment
        relative = str(map_file.resolve().parent / "weights/base")
        check(from_file["org/base"] == relative, "a relative folder is taken from the map's folder")
        check(from_file["abs"] == "/models/abs", "an absolute folder is kept")
    check.refused(lambda: load_model_map(None, {}), "no model map")
    check.refused(lambda: load_model_map(None, {"TENANTRY_MODEL_MAP": "[1]"}), "must be a JSON object")
    check.refused(lambda: load_model_map(None, {"TENANTRY_MODEL_MAP": "{"}), "not valid JSON")
    check.refused(lambda: load_model_map("/nonexistent/map.json", {}), "cannot read the model map")

    check(resolve_model_path("org/base", {"org/base": "/m"}) == "/m", "a known model resolves")
    unknown = 'base model "other" is not in the model map (known: org/base)'
    check.refused(lambda: resolve_model_path("other", {"org/base": "/m"}), unknown)

    # The whole job path refuses an unknown model before any ML library is needed: exit 2, one error line.
    stream = io.StringIO()
    job_env = {"TENANTRY_JOB": '{"id": "ftjob-1", "model": "nope"}', "TENANTRY_MODEL_MAP": '{"org/base": "/m"}'}
    code = run_job(build_parser().parse_args([]), job_env, Protocol(stream))
    lines = [json.loads(text) for text in stream.getvalue().splitlines()]
    check(code == EXIT_REFUSED, "an unknown model exits 2")
    check(len(lines) == 1 and lines[0]["type"] == "message" and lines[0]["level"] == "error", "one error line")


def _test_protocol(check: _Checks) -> None:
    expected = '{"type": "message", "level": "info", "message": "hi"}\n'
    check(format_event(message_event("info", "hi")) == expected, "message line")
    metrics = json.loads(format_event(metrics_event(3, 10, 1.5, 2e-4, 0.3)))
    expected_metrics = {"step": 3, "total_steps": 10, "train_loss": 1.5, "learning_rate": 2e-4, "epoch": 0.3}
    check(metrics == {"type": "metrics", **expected_metrics}, "metrics line without valid_loss")
    with_valid = json.loads(format_event(metrics_event(3, 10, 1.5, 2e-4, 1, valid_loss=1.7)))
    check(with_valid["valid_loss"] == 1.7, "metrics line with valid_loss")
    checkpoint = json.loads(format_event(checkpoint_event(5, "checkpoint-5")))
    check(checkpoint == {"type": "checkpoint", "step": 5, "path": "checkpoint-5"}, "checkpoint line")
    check.raises_value_error(lambda: format_event(metrics_event(1, 1, float("nan"), 1e-4, 1)), "NaN is refused")
    check.raises_value_error(lambda: message_event("debug", "x"), "an unknown level is refused")

    stream = io.StringIO()
    Protocol(stream).warn("careful")
    check(stream.getvalue() == '{"type": "message", "level": "warn", "message": "careful"}\n', "one line per event")


def _test_training_helpers(check: _Checks) -> None:
    batches = make_batches(10, 4, random.Random(1))
    check([len(b) for b in batches] == [4, 4, 2], "batch sizes")
    check(sorted(sum(batches, [])) == list(range(10)), "batches cover every example once")
    check(make_batches(10, 4, random.Random(1)) == batches, "batches follow the seed")
    check(plural(1, "step") == "1 step" and plural(3, "epoch") == "3 epochs", "plural")
    check(metrics_interval(30) == 1 and metrics_interval(5000) == 10, "metrics interval")
    check(learning_rate_factor(0, 10, 0) == 1.0 and learning_rate_factor(5, 10, 0) == 0.5, "linear decay")
    check(learning_rate_factor(0, 100, 3) == 0.25 and learning_rate_factor(3, 100, 3) == 1.0, "warm-up")
    llama = {"q_proj", "k_proj", "v_proj", "o_proj", "up_proj", "down_proj", "gate_proj", "lm_head"}
    check(choose_lora_targets(llama) == ["q_proj", "k_proj", "v_proj", "o_proj"], "Llama: attention projections")
    check(choose_lora_targets({"fc1", "fc2", "lm_head"}) == "all-linear", "unknown names: every linear layer")


def _test_module_imports(check: _Checks) -> None:
    """Module-level imports must stay in the standard library, so --help and --self-test run anywhere."""
    import ast

    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            check(top in sys.stdlib_module_names or top == "__future__", f"module-level import {name} is not stdlib")


def self_test() -> int:
    check = _Checks()
    _test_module_imports(check)
    examples = _test_jsonl(check)
    _test_segments(check, examples)
    _test_hyperparameters(check)
    _test_job_and_model_map(check)
    _test_protocol(check)
    _test_training_helpers(check)
    print(f"self-test: {check.count} checks passed")
    return EXIT_OK


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="LoRA fine-tuning trainer for `tenantry worker`. Reads TENANTRY_JOB, TENANTRY_TRAINING_FILE, "
        "TENANTRY_VALIDATION_FILE and TENANTRY_OUTPUT_DIR; writes JSON protocol lines on stdout.",
    )
    add = parser.add_argument
    add("--model-map", metavar="PATH", help='JSON file {"<base model id>": "<local folder>"} (else TENANTRY_MODEL_MAP)')
    add("--max-seq-length", type=_positive, default=1024, help="tokens per example; longer ones are cut (1024)")
    add("--micro-batch-size", type=_positive, help="split each batch into chunks of this size to save memory")
    add("--gradient-checkpointing", action="store_true", help="trade compute for memory on large models")
    add("--lora-r", type=_positive, default=16, help="LoRA rank (16)")
    add("--lora-alpha", type=_positive, default=32, help="LoRA alpha (32)")
    add("--lora-dropout", type=float, default=0.05, help="LoRA dropout (0.05)")
    add("--warmup-ratio", type=float, default=0.03, help="share of the steps spent warming up the learning rate (0.03)")
    add("--make-tiny-model", metavar="DIR", help="write a tiny random Llama and its tokenizer to DIR and exit")
    add("--self-test", action="store_true", help="check the pure helpers (standard library only) and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.self_test:
        return self_test()
    protocol = claim_stdout_for_protocol()
    if args.make_tiny_model:
        try:
            return make_tiny_model(args.make_tiny_model, protocol)
        except ImportError as error:
            protocol.error(f"a Python package is missing ({error}); install examples/lora-trainer/requirements.txt")
            return EXIT_TRAINING_FAILED
    return run_job(args, os.environ, protocol)


if __name__ == "__main__":
    sys.exit(main())
