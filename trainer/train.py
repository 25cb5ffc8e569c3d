"""The training loop, top to bottom: one process on a CPU or a GPU, or several under torchrun (DDP).

    python -m trainer train --model hier --bars 16 --data data/gmd --out runs/hier16
    torchrun --nproc_per_node 2 -m trainer train ...      # the same loop, DistributedDataParallel
"""

from __future__ import annotations

import csv
import json
import os
import platform
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Optional

import torch
import torch.distributed as dist
import torch.nn.functional as F
from tqdm import tqdm

from trainer.checkpoint import load_checkpoint, save_checkpoint
from trainer.dataset import load_windows
from trainer.models import ModelConfig, build_model, count_parameters, kl_cost, kl_divergence
from trainer.augment import DEFAULT_GROUPS, layer_masks, mix_parts
from trainer.schedules import kl_beta, learning_rate, sampling_probability

CHECKPOINT = "checkpoint.pt"
LOG = "log.csv"
LOG_FIELDS = ["step", "loss", "recon", "kl", "beta", "sample_prob", "lr", "accuracy", "valid_loss",
              "valid_accuracy", "seconds", "steps_per_s"]


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 20_000
    batch: int = 512
    lr: float = 1e-3
    lr_decay: float = 0.9999
    min_lr: float = 1e-5
    clip: float = 1.0
    free_bits: float = 48.0  # MusicVAE: 48 for 2 bars, 256 for 16 bars
    max_beta: float = 0.2
    beta_rate: float = 0.99999
    sampling: str = "inverse_sigmoid"  # teacher | fixed | inverse_sigmoid
    sampling_p: float = 0.5
    sampling_rate: float = 1000.0
    word_dropout: float = 0.0  # share of decoder input tokens zeroed while training
    context_dropout: float = 0.0  # share of bars a bar-context decoder trains without the bar before
    part_mix: float = 0.0  # share of training windows whose hat and ride layers are shuffled among their bars
    part_layers: str = DEFAULT_GROUPS  # the layer groups --part-mix hands round, each on its own: hats,kick
    weight_decay: float = 0.0  # decoupled weight decay (AdamW) per step, scaled by the learning rate; 0: plain Adam
    log_every: int = 10
    eval_every: int = 200
    checkpoint_every: int = 200
    valid_windows: int = 0  # 0: every validation window (the first 512 were one drummer)
    seed: int = 0


def default_train_config(bars: int, **overrides) -> TrainConfig:
    return replace(TrainConfig(free_bits=48.0 if bars <= 2 else 256.0), **overrides)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda asked for, but torch sees no CUDA GPU")
    return torch.device(name)


def hardware(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (CUDA {torch.version.cuda})"
    return f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads"


def parameter_checksum(model: torch.nn.Module) -> float:
    """A float that differs when any weight differs: how DDP replicas are checked to stay identical."""
    with torch.no_grad():
        return float(sum((p.double() * (i + 1)).sum().item() for i, p in enumerate(model.parameters())))


def batch_loss(model, tokens, cfg: TrainConfig, step: int, generator, use_mean: bool = False, sample_prob=None):
    """Loss and figures of one batch: cross-entropy summed over steps + beta * max(KL - free nats, 0).

    A training batch (sample_prob None) gets scheduled sampling and word dropout; validation gets neither."""
    training = sample_prob is None
    p = sampling_probability(step, cfg.sampling, cfg.sampling_p, cfg.sampling_rate) if training else sample_prob
    extra = {"context_dropout": cfg.context_dropout} if training and cfg.context_dropout else {}
    out = model(tokens, sample_prob=p, generator=generator, use_mean=use_mean,
                word_dropout=cfg.word_dropout if training else 0.0, **extra)
    logits = out.logits.float()
    recon = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens.reshape(-1), reduction="none")
    recon = recon.view(tokens.shape).sum(1).mean()
    accuracy = (logits.argmax(-1) == tokens).float().mean()
    beta = kl_beta(step, cfg.max_beta, cfg.beta_rate)
    if out.mu is not None:
        kl = kl_divergence(out.mu.float(), out.sigma.float())
        loss = recon + beta * kl_cost(kl, cfg.free_bits).mean()
        kl = kl.mean()
    else:
        kl = torch.zeros((), device=tokens.device)
        loss = recon
    return loss, {"recon": recon.item(), "kl": kl.item(), "beta": beta, "sample_prob": p, "accuracy": accuracy.item()}


@torch.no_grad()
def validate(model, tokens: torch.Tensor, cfg: TrainConfig, step: int, device: torch.device) -> dict:
    """Teacher-forced loss and accuracy on the validation windows with z = mu."""
    model.eval()
    losses, accs = [], []
    for chunk in tokens.split(cfg.batch):
        loss, m = batch_loss(model, chunk.to(device), cfg, step, None, use_mean=True, sample_prob=0.0)
        losses.append(loss.item() * len(chunk))
        accs.append(m["accuracy"] * len(chunk))
    model.train()
    n = max(len(tokens), 1)
    return {"valid_loss": sum(losses) / n, "valid_accuracy": sum(accs) / n}


def _data_summary(data: Path) -> dict:
    path = Path(data) / "summary.json"
    if not path.is_file():
        return {}
    s = json.loads(path.read_text())
    return {k: s[k] for k in ("source", "files_read", "files_per_split", "bars", "windows", "rules") if k in s}


def _plot(log_path: Path, out: Path) -> Optional[Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    rows = list(csv.DictReader(open(log_path)))
    if not rows:
        return None
    col = lambda k: [(int(r["step"]), float(r[k])) for r in rows if r.get(k) not in (None, "")]
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    for key in ("loss", "valid_loss", "recon"):
        pts = col(key)
        if pts:
            a.plot(*zip(*pts), label=key)
    a.set_xlabel("step"), a.set_ylabel("nats per sequence"), a.set_yscale("log"), a.legend()
    for key in ("accuracy", "valid_accuracy"):
        pts = col(key)
        if pts:
            b.plot(*zip(*pts), label=key)
    b.set_xlabel("step"), b.set_ylabel("per-step accuracy"), b.set_ylim(0, 1), b.legend()
    fig.suptitle(out.parent.name)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def train(
    model_cfg: ModelConfig,
    cfg: TrainConfig,
    data: Path,
    out: Path,
    device: str = "auto",
    resume: bool = False,
    progress: bool = True,
    continue_from: Optional[Path] = None,
) -> dict:
    """Train until `cfg.steps`; returns the final figures. Resumes from out/checkpoint.pt when asked.

    `continue_from` starts a new run from another run's checkpoint (weights, optimizer, step and time) under
    this run's training settings: e.g. more scheduled sampling once teacher-forced accuracy has flattened."""
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    rank, world = 0, 1
    dev = pick_device(device)
    if distributed:
        if dev.type == "cuda":
            dev = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(dev)
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
    main = rank == 0
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / CHECKPOINT

    state = None
    if resume and ckpt_path.is_file():
        state = load_checkpoint(ckpt_path)
        model_cfg = ModelConfig(**state["model_config"])
        cfg = replace(TrainConfig(**state["train_config"]), steps=cfg.steps)
    elif resume and main:
        print(f"no checkpoint in {out}: starting fresh")
    source = None
    if state is None and continue_from is not None:
        source = load_checkpoint(continue_from)
        # the same weights whatever dropout trained them (a training-only setting that older checkpoints lack)
        weights = lambda c: {k: v for k, v in ModelConfig(**c).to_dict().items() if k != "dropout"}  # noqa: E731
        if weights(source["model_config"]) != weights(model_cfg.to_dict()):
            raise ValueError(f"{continue_from} holds another model than the one asked for: "
                             f"{source['model_config']} (asked: {model_cfg.to_dict()})")

    torch.manual_seed(cfg.seed + rank)
    generator = torch.Generator(dev).manual_seed(cfg.seed + rank)
    masks = layer_masks(cfg.part_layers)  # the layer groups --part-mix hands round
    train_set = load_windows(data, model_cfg.bars, "train")
    valid_set = load_windows(data, model_cfg.bars, "valid")
    if len(train_set) == 0:
        raise ValueError(f"{data} has no {model_cfg.bars}-bar training windows")
    tokens = torch.from_numpy(train_set.tokens.astype("int64")).to(dev)  # the whole set lives on the device
    valid = torch.from_numpy(valid_set.tokens[: cfg.valid_windows or None].astype("int64"))

    model = build_model(model_cfg).to(dev)
    optimizer = (torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay) if cfg.weight_decay
                 else torch.optim.Adam(model.parameters(), lr=cfg.lr))
    step, elapsed = 0, 0.0
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, elapsed = state["step"], state["seconds"]
        generator.set_state(state["generator"][rank].cpu())
        torch.set_rng_state(state["torch_rng"])
    continued = state.get("continued_from") if state is not None else None  # where this run's first steps came from
    if state is None and source is not None:
        continued = {"checkpoint": str(continue_from), "step": source["step"],
                     "train_config": source.get("train_config"), "continued_from": source.get("continued_from")}
        model.load_state_dict(source["model"])
        optimizer.load_state_dict(source["optimizer"])
        step, elapsed = source["step"], source["seconds"]
    for group in optimizer.param_groups:  # a loaded state brings its own run's decay: this run's settings win
        group["weight_decay"] = cfg.weight_decay
    net = torch.nn.parallel.DistributedDataParallel(model) if distributed else model
    per_rank = max(1, cfg.batch // world)
    amp = torch.autocast("cuda", dtype=torch.bfloat16) if dev.type == "cuda" else torch.autocast("cpu", enabled=False)
    summary = _data_summary(data)

    def checkpoint() -> None:
        gens = [generator.get_state()]
        replicas = [parameter_checksum(model)]
        if distributed:
            gathered = [None] * world
            dist.all_gather_object(gathered, generator.get_state().cpu())
            gens = gathered
            replicas = [None] * world
            dist.all_gather_object(replicas, parameter_checksum(model))
        if main:
            save_checkpoint(ckpt_path, {
                "model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                "seconds": elapsed, "model_config": model_cfg.to_dict(), "train_config": asdict(cfg),
                "generator": [g.cpu() for g in gens], "torch_rng": torch.get_rng_state(),
                "data": summary, "hardware": hardware(dev), "world_size": world,
                "parameters": count_parameters(model), "replica_checksums": replicas,
                "continued_from": continued,
            })

    log_file = None
    if main:
        new_log = not (resume and (out / LOG).is_file() and state is not None)
        log_file = open(out / LOG, "w" if new_log else "a", newline="")
        writer = csv.DictWriter(log_file, fieldnames=LOG_FIELDS)
        if new_log:
            writer.writeheader()
        print(f"{model_cfg.model} {model_cfg.bars}-bar: {count_parameters(model):,} parameters, "
              f"{len(train_set)} train windows, batch {cfg.batch}, {hardware(dev)}, world {world}")
    bar = tqdm(total=cfg.steps, initial=step, disable=not (progress and main), dynamic_ncols=True, unit="step")
    net.train()
    last_time, last_step = time.perf_counter(), step
    figures: dict = {}
    while step < cfg.steps:
        t0 = time.perf_counter()
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, cfg.lr, cfg.lr_decay, cfg.min_lr)
        idx = torch.randint(len(tokens), (per_rank,), device=dev, generator=generator)
        batch = mix_parts(tokens[idx], cfg.part_mix, generator, masks)  # no draws, the batch as it is, at share 0
        with amp:
            loss, m = batch_loss(net, batch, cfg, step, generator)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
        optimizer.step()
        step += 1
        elapsed += time.perf_counter() - t0
        bar.update()
        if main and (step % cfg.log_every == 0 or step == cfg.steps):
            now = time.perf_counter()
            rate = (step - last_step) / max(now - last_time, 1e-9)
            last_time, last_step = now, step
            row = {"step": step, "loss": round(loss.item(), 4), "lr": optimizer.param_groups[0]["lr"],
                   "seconds": round(elapsed, 1), "steps_per_s": round(rate, 3),
                   **{k: round(v, 5) for k, v in m.items()}}
            if step % cfg.eval_every == 0 or step == cfg.steps:
                row.update({k: round(v, 5) for k, v in validate(model, valid, cfg, step, dev).items()})
            writer.writerow(row)
            log_file.flush()
            figures = row
            bar.set_postfix(loss=f"{row['loss']:.1f}", acc=f"{m['accuracy']:.3f}", kl=f"{m['kl']:.1f}",
                            **({"val": f"{row['valid_accuracy']:.3f}"} if "valid_accuracy" in row else {}))
        if step % cfg.checkpoint_every == 0 or step == cfg.steps:
            checkpoint()
    bar.close()
    if main:
        log_file.close()
        _plot(out / LOG, out / "curves.png")
    if distributed:
        dist.barrier()  # every rank is done (rank 0 wrote its plot) before any tears the group down
        dist.destroy_process_group()
    return figures
