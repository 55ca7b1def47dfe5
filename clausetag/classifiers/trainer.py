"""The fine-tuning loop of transformer clause classifiers: a :class:`Trainer` driven by a typed
:class:`TrainingArguments` (in the manner of setfit's and transformers' trainers, reduced to what
clause classification needs).

AdamW with linear warm-up and decay, gradient clipping, optional class-balanced loss, length-grouped
batches (little padding: CPU time is spent on real tokens), seeded shuffling and a progress log that is
written to a file as it goes, so a long CPU run can be followed with ``tail -f``.
"""
from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class TrainingArguments:
    """Hyper-parameters of one fine-tuning run: what the loop does with the data. Where it runs and how
    it is seeded (``seed``, ``device``, ``progress``) are the classifier's own parameters, passed to
    :class:`Trainer` beside these (the run's ``seed`` seeds every model type alike).

    Attributes:
        epochs: passes over the training data (fractions allowed).
        batch_size: examples per optimiser step.
        lr: peak learning rate (AdamW).
        weight_decay: AdamW weight decay (not applied to biases and LayerNorm weights).
        warmup_ratio: share of the steps with a linear warm-up; linear decay after.
        max_steps: stop after this many steps (when smaller than ``epochs`` gives).
        class_weights: ``"balanced"`` weighs the loss by inverse label frequency; ``None`` does not.
        group_by_length: batch examples of similar length (shuffled mega-batches of 50 batches).
        grad_clip: gradient-norm clipping (``None``: off).
        log_file: append one JSON line per ``log_every`` steps (step, epoch, loss, lr, seconds).
        log_every: logging interval in steps.
        temperature: distillation temperature ``T`` for examples with soft targets (teacher
            probabilities are sharpened/softened as ``p ** (1 / T)``, renormalised; the KL term is
            scaled by ``T ** 2``, Hinton et al. 2015).
        distill_weight: weight of the KL term of a soft-target example against the cross-entropy of a
            gold example.
        head_lr: peak learning rate of the classification layer (parameters named ``classifier.*``;
            ``None``: ``lr``). A freshly initialised head on a pre-trained encoder learns faster with a
            larger rate than the encoder tolerates.
        time_limit_s: stop after the step that passes this many seconds (a safety net on a shared
            machine; the log's ``end`` record says ``"stopped": "time limit"`` and the step reached, which
            ``max_steps`` reproduces up to the learning-rate schedule).
    """

    epochs: float = 3.0
    batch_size: int = 16
    lr: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_steps: int | None = None
    class_weights: str | None = "balanced"
    group_by_length: bool = True
    grad_clip: float | None = 1.0
    log_file: str | None = None
    log_every: int = 10
    temperature: float = 2.0
    distill_weight: float = 1.0
    head_lr: float | None = None
    time_limit_s: float | None = None

    def __post_init__(self) -> None:
        if self.class_weights not in (None, "balanced"):
            raise ValueError(f"class_weights must be None or 'balanced', not {self.class_weights!r}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.epochs < 0 or (self.epochs == 0 and not self.max_steps):
            raise ValueError(f"epochs must be > 0 (or set max_steps), got {self.epochs}")
        if not 0 <= self.warmup_ratio < 1:
            raise ValueError(f"warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if self.lr <= 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if self.head_lr is not None and self.head_lr <= 0:
            raise ValueError(f"head_lr must be > 0, got {self.head_lr}")
        if self.temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        if self.distill_weight < 0:
            raise ValueError(f"distill_weight must be >= 0, got {self.distill_weight}")

    @classmethod
    def field_names(cls) -> set[str]:
        """The names of the fields (the keys a config's ``training_args:`` mapping may use)."""
        return {f.name for f in fields(cls)}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolve_device(device: str | None) -> str:
    """``"cpu"``, ``"cuda"`` or ``None``/``"auto"`` (cuda when available)."""
    import torch

    if device in (None, "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"device {device!r} requested but CUDA is not available")
    return device


def length_grouped_order(lengths: Sequence[int], batch_size: int, rng: np.random.Generator,
                         group: bool = True) -> list[list[int]]:
    """Batches of example indices for one epoch: a random permutation, cut into mega-batches of 50
    batches, each sorted by length and cut into batches; batch order shuffled (``group=False``: plain
    shuffled batches)."""
    order = rng.permutation(len(lengths)).tolist()
    if group:
        mega = batch_size * 50
        order = [i for lo in range(0, len(order), mega)
                 for i in sorted(order[lo:lo + mega], key=lambda j: lengths[j])]
    batches = [order[lo:lo + batch_size] for lo in range(0, len(order), batch_size)]
    if group:
        perm = rng.permutation(len(batches)).tolist()
        batches = [batches[p] for p in perm]
    return batches


class Trainer:
    """Fine-tunes ``model`` (a torch module mapping a collated batch to logits) on encoded examples.

    Args:
        model: ``model(**batch) -> logits`` of shape ``(batch, num_labels)``.
        collate: turns a list of encoded examples (dicts of token lists) into a batch of tensors.
        args: the hyper-parameters.
        seed: seeds the batch order (the caller seeds torch for initialisation and dropout).
        device: ``"cpu"``, ``"cuda"`` or ``"auto"``.
        progress: show a tqdm bar.
    """

    def __init__(self, model: Any, collate: Callable[[list[dict[str, list[int]]]], dict[str, Any]],
                 args: TrainingArguments, *, seed: int = 0, device: str | None = "auto", progress: bool = True) -> None:
        self.model = model
        self.collate = collate
        self.args = args
        self.seed = seed
        self.device = device
        self.progress = progress
        self.history: dict[str, list[float]] = {"loss": []}

    def _log(self, record: dict[str, Any]) -> None:
        if self.args.log_file:
            path = Path(self.args.log_file)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record) + "\n")

    def train(self, features: list[dict[str, list[int]]], y: Sequence[int], num_labels: int,
              soft_targets: np.ndarray | None = None) -> dict[str, Any]:
        """Run the loop; returns a summary (steps, examples, final loss, seconds).

        ``soft_targets`` (knowledge distillation): an ``(n, num_labels)`` array of teacher probabilities
        for the examples whose ``y`` is ``-1``; those examples are trained on ``T² · KL(teacher_T ‖
        student_T)`` (weighted by ``distill_weight``), the others on the (class-weighted) cross-entropy
        of their gold label. Rows of gold examples are ignored."""
        import torch
        from tqdm.auto import tqdm
        from transformers import get_linear_schedule_with_warmup

        args = self.args
        if len(features) != len(y):
            raise ValueError(f"got {len(features)} examples but {len(y)} labels")
        y_t = torch.tensor(list(y), dtype=torch.long)
        gold = y_t >= 0
        if soft_targets is not None:
            soft_targets = np.asarray(soft_targets, dtype=np.float64)
            if soft_targets.shape != (len(features), num_labels):
                raise ValueError(f"soft_targets has shape {soft_targets.shape}, expected {(len(features), num_labels)}")
            sharpened = np.clip(soft_targets, 1e-12, None) ** (1.0 / args.temperature)
            soft_t = torch.tensor(sharpened / sharpened.sum(axis=1, keepdims=True), dtype=torch.float32)
        elif not bool(gold.all()):
            raise ValueError("examples with label -1 need soft_targets")
        device = resolve_device(self.device)
        self.model.to(device)
        weight = None
        if args.class_weights == "balanced":
            counts = torch.bincount(y_t[gold], minlength=num_labels).float()
            present = counts > 0
            weight = torch.zeros(num_labels)
            weight[present] = int(gold.sum()) / (present.sum() * counts[present])
            weight = weight.to(device)
        loss_fn = torch.nn.CrossEntropyLoss(weight=weight)

        def batch_loss(logits: Any, idx: list[int]) -> Any:
            yb = y_t[idx].to(device)
            is_gold = yb >= 0
            if soft_targets is None or bool(is_gold.all()):
                return loss_fn(logits, yb)
            # per-example terms averaged over the batch: CE (class-weighted) for gold, T²·KL for soft
            total = logits.new_zeros(())
            if bool(is_gold.any()):
                ce = torch.nn.functional.cross_entropy(logits[is_gold], yb[is_gold], weight=weight, reduction="none")
                total = total + ce.sum()
            soft = ~is_gold
            target = soft_t[idx].to(device)[soft]
            log_student = torch.log_softmax(logits[soft] / args.temperature, dim=-1)
            kl = (target * (torch.log(target.clamp(min=1e-12)) - log_student)).sum(-1)
            total = total + args.distill_weight * args.temperature ** 2 * kl.sum()
            return total / len(idx)

        steps_per_epoch = math.ceil(len(features) / args.batch_size)
        total = max(1, math.ceil(args.epochs * steps_per_epoch))
        if args.max_steps is not None:
            total = min(total, args.max_steps) if args.epochs > 0 else args.max_steps
        no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
        named = [(n, p) for n, p in self.model.named_parameters() if p.requires_grad]
        head_lr = args.head_lr or args.lr
        groups = [
            {"params": [p for n, p in named if not n.endswith(no_decay) and (n.startswith("classifier.") == head)],
             "weight_decay": args.weight_decay, "lr": head_lr if head else args.lr}
            for head in (False, True)
        ] + [
            {"params": [p for n, p in named if n.endswith(no_decay) and (n.startswith("classifier.") == head)],
             "weight_decay": 0.0, "lr": head_lr if head else args.lr}
            for head in (False, True)
        ]
        groups = [g for g in groups if g["params"]]
        optimizer = torch.optim.AdamW(groups, lr=args.lr)
        scheduler = get_linear_schedule_with_warmup(optimizer, int(args.warmup_ratio * total), total)
        rng = np.random.default_rng(self.seed)
        lengths = [len(f["input_ids"]) for f in features]

        self.history = {"loss": []}
        self.model.train()
        step, epoch = 0, 0
        stopped = ""
        started = time.perf_counter()
        self._log({"event": "start", "examples": len(features), "gold": int(gold.sum()), "steps": total,
                   "args": args.to_dict(), "seed": self.seed})
        bar = tqdm(total=total, desc="fine-tune", unit="step", disable=not self.progress, leave=False)
        while step < total:
            for idx in length_grouped_order(lengths, args.batch_size, rng, args.group_by_length):
                batch = {k: v.to(device) for k, v in self.collate([features[i] for i in idx]).items()}
                loss = batch_loss(self.model(**batch), idx)
                loss.backward()
                if args.grad_clip:
                    torch.nn.utils.clip_grad_norm_(self.model.parameters(), args.grad_clip)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                self.history["loss"].append(float(loss.detach()))
                step += 1
                bar.update(1)
                bar.set_postfix(loss=f"{self.history['loss'][-1]:.3f}")
                if step % args.log_every == 0 or step == total:
                    recent = self.history["loss"][-args.log_every:]
                    self._log({"step": step, "of": total, "epoch": epoch, "loss": round(sum(recent) / len(recent), 4),
                               "lr": scheduler.get_last_lr()[0], "seconds": round(time.perf_counter() - started, 1)})
                if step >= total:
                    break
                if args.time_limit_s is not None and time.perf_counter() - started > args.time_limit_s:
                    stopped = "time limit"
                    break
            if stopped:
                break
            epoch += 1
        bar.close()
        self.model.eval()
        summary: dict[str, Any] = {"steps": step, "of": total, "examples": len(features), "final_loss": self.history["loss"][-1],
                   "seconds": round(time.perf_counter() - started, 2)}
        if stopped:
            summary["stopped"] = stopped
        self._log(dict(summary, event="end"))
        return summary
