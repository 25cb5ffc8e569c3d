"""The three models of the seed paper: an LSTM baseline, a flat VAE and a hierarchical VAE (MusicVAE).

Tokens are fed through an embedding, which is exactly a one-hot vector times a weight matrix. Every
autoregressive part is one `AutoregressiveLSTM`, so teacher forcing, scheduled sampling and the per-step
function the app exports behave the same in all three models.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from drummachine.groove.vocabulary import NUM_CLASSES, NUM_TOKENS, STEPS_PER_BAR, tokens_to_rows

START = NUM_TOKENS  # the 'previous token' before the first step (and before each bar's first step)
LN2 = math.log(2.0)


@dataclass(frozen=True)
class ModelConfig:
    model: str = "hier"  # lstm | flat | hier
    bars: int = 16
    embed: int = 64  # token embedding width
    encoder_size: int = 256  # per direction
    encoder_layers: int = 2
    hierarchical_encoder: bool = True  # BiLSTM over each bar, then a BiLSTM over the bar vectors
    latent: int = 128
    conductor_size: int = 256
    conductor_layers: int = 2
    decoder_size: int = 256
    decoder_layers: int = 2
    lstm_size: int = 64  # the baseline
    lstm_layers: int = 3
    # The bar decoder also reads, at each step, the token at the same step of the bar before (a 'no bar' token
    # for the first): the hierarchical model can then keep a groove and vary it, instead of drawing every bar
    # from its embedding alone. Bars then decode one after another when free-running.
    bar_context: bool = False
    # A code per bar (0: one code for the whole window). Each bar is encoded alone into `bar_latent` numbers and
    # the window's code is its bars' codes side by side (latent = bars * bar_latent), so a 16-bar groove keeps
    # every bar's variation instead of squeezing 16 bars through one code the decoder learns to ignore. The bars
    # hang together through the prior the app draws codes from: a Gaussian fitted to whole windows' codes, in which
    # a bar's code correlates with the codes of the bars 1, 4 and 8 before it as the data's do.
    bar_latent: int = 0
    # Dropout between stacked LSTM layers and before the decoder's output layer, while training only (eval and
    # the exported graphs never drop): a regulariser for a model that overfits its 11k training windows.
    dropout: float = 0.0
    # Token layers that also see each token's hits class by class (GrooVAE's per-instrument view, kept inside
    # the 512-way token): every embedding adds one learned vector per class the token plays, and the decoder's
    # logits add one learned score per class the token plays. A kick then shares what is learnt about it across
    # the 256 tokens that hold one, instead of each rare combination learning its kick alone. The exported graphs
    # still take and give 512-way tokens, so the app is the same.
    class_factors: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.model not in ("lstm", "flat", "hier"):
            raise ValueError(f"model must be lstm, flat or hier, got {self.model!r}")
        if self.bar_latent:
            if self.model != "hier" or self.bar_context:
                raise ValueError("a code per bar is for the hierarchical model without bar context")
            if self.latent != self.bars * self.bar_latent:
                raise ValueError(f"with a code of {self.bar_latent} per bar, latent must be "
                                 f"{self.bars * self.bar_latent}, not {self.latent}")

    @property
    def steps(self) -> int:
        return self.bars * STEPS_PER_BAR

    def to_dict(self) -> dict:
        return asdict(self)


# Presets as data. `paper`: the seed paper's sizes. `cpu`: what trains to good accuracy on a 2-core CPU.
PRESETS: dict[str, dict] = {
    "paper": dict(embed=512, encoder_size=1024, latent=512, conductor_size=1024, decoder_size=1024,
                  hierarchical_encoder=False),
    "cpu": dict(embed=32, encoder_size=128, latent=128, conductor_size=128, decoder_size=192,
                hierarchical_encoder=True),
    "tiny": dict(embed=16, encoder_size=32, latent=16, conductor_size=32, decoder_size=48, lstm_size=32,
                 hierarchical_encoder=True),
}


def model_config(model: str, bars: int, preset: str = "cpu", **overrides) -> ModelConfig:
    """The config of a preset; the paper's encoder is 2048 wide in total, i.e. 1024 per direction."""
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    values = {**PRESETS[preset], **overrides}
    if bars <= 2:
        values["hierarchical_encoder"] = False  # two bars are short enough to read flat
    if values.get("bar_latent"):
        values["latent"] = bars * values["bar_latent"]
    return ModelConfig(model=model, bars=bars, **values)


LSTMState = tuple[torch.Tensor, torch.Tensor]


def token_bits() -> torch.Tensor:
    """(513, 9): which classes each token plays (the vocabulary's rows), and none for START."""
    rows = torch.from_numpy(tokens_to_rows(np.arange(NUM_TOKENS))).float()
    return torch.cat([rows, torch.zeros(1, NUM_CLASSES)])  # START is the row after the last token


class TokenClasses(nn.Module):
    """Class factors on the way in: one learned vector per class a token plays, added to its embedding."""

    def __init__(self, embed: int) -> None:
        super().__init__()
        self.dense = nn.Linear(NUM_CLASSES, embed, bias=False)
        self.register_buffer("bits", token_bits(), persistent=False)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.dense(self.bits[tokens])


class ClassScores(nn.Module):
    """Class factors on the way out: one learned score per class a token plays, added to its logit (zero at the
    start, so a model begins as the plain 512-way head)."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.dense = nn.Linear(hidden, NUM_CLASSES)
        nn.init.zeros_(self.dense.weight)
        nn.init.zeros_(self.dense.bias)
        self.register_buffer("bits", token_bits()[:NUM_TOKENS].T.contiguous(), persistent=False)  # (9, 512)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.dense(h) @ self.bits


def _embed(table: nn.Embedding, classes: Optional[TokenClasses], tokens: torch.Tensor) -> torch.Tensor:
    x = table(tokens)
    return x if classes is None else x + classes(tokens)


class AutoregressiveLSTM(nn.Module):
    """An LSTM that reads [previous token, condition] and predicts the next token's 512-way logits.

    With `context` it also reads a second token per step (the same step of the bar before), embedded on its
    own. Word dropout (training only) zeroes the embedded inputs of a random share of steps, so the decoder
    cannot lean on them alone and must take the groove from its condition (Bowman et al. 2016).
    """

    def __init__(self, embed: int, cond: int, hidden: int, layers: int, context: bool = False,
                 dropout: float = 0.0, class_factors: bool = False) -> None:
        super().__init__()
        self.cond = cond
        self.hidden = hidden
        self.layers = layers
        self.embedding = nn.Embedding(NUM_TOKENS + 1, embed)
        self.context = nn.Embedding(NUM_TOKENS + 1, embed) if context else None
        # the plain layers keep their names, so checkpoints without class factors load as before
        self.embedding_classes = TokenClasses(embed) if class_factors else None
        self.context_classes = TokenClasses(embed) if class_factors and context else None
        self.lstm = nn.LSTM(embed * (2 if context else 1) + cond, hidden, layers, batch_first=True,
                            dropout=dropout if layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, NUM_TOKENS)
        self.out_classes = ClassScores(hidden) if class_factors else None

    def _inputs(self, prev: torch.Tensor, cond: Optional[torch.Tensor], context: Optional[torch.Tensor] = None,
                word_dropout: float = 0.0, generator: Optional[torch.Generator] = None) -> torch.Tensor:
        parts = [_embed(self.embedding, self.embedding_classes, prev)]
        if self.context is not None:
            if context is None:
                raise ValueError("this decoder reads the previous bar: pass its tokens as context")
            parts.append(_embed(self.context, self.context_classes, context))
        if word_dropout > 0.0:
            parts = [x * (torch.rand(x.shape[:2], device=x.device, generator=generator) >= word_dropout).unsqueeze(-1)
                     for x in parts]
        if cond is not None:
            parts.append(cond.unsqueeze(1).expand(-1, prev.shape[1], -1))
        return torch.cat(parts, dim=-1) if len(parts) > 1 else parts[0]

    def _logits(self, h: torch.Tensor) -> torch.Tensor:
        logits = self.out(h)
        return logits if self.out_classes is None else logits + self.out_classes(h)

    def step(self, prev: torch.Tensor, cond: Optional[torch.Tensor], state: Optional[LSTMState],
             context: Optional[torch.Tensor] = None):
        """One step: prev (N,) [and context (N,)] -> logits (N, 512) and the new state ((layers, N, H) twice)."""
        ctx = None if context is None else context.unsqueeze(1)
        out, state = self.lstm(self._inputs(prev.unsqueeze(1), cond, ctx), state)
        return self._logits(self.drop(out[:, 0])), state

    def forward(
        self,
        targets: torch.Tensor,
        cond: Optional[torch.Tensor] = None,
        state: Optional[LSTMState] = None,
        sample_prob: float = 0.0,
        generator: Optional[torch.Generator] = None,
        context: Optional[torch.Tensor] = None,
        word_dropout: float = 0.0,
    ) -> torch.Tensor:
        """Logits (N, T, 512) for target tokens (N, T) [with context tokens (N, T)].

        sample_prob 0 is teacher forcing (one fused LSTM call); above 0, each step's input is, with that
        probability, a token sampled from the model's own previous output instead of the true one.
        """
        n, t = targets.shape
        start = torch.full((n, 1), START, dtype=targets.dtype, device=targets.device)
        if sample_prob <= 0.0:
            prev = torch.cat([start, targets[:, :-1]], dim=1)
            out, _ = self.lstm(self._inputs(prev, cond, context, word_dropout, generator), state)
            return self._logits(self.drop(out))
        logits = []
        prev = start[:, 0]
        for i in range(t):
            ctx = None if context is None else context[:, i : i + 1]
            out, state = self.lstm(self._inputs(prev.unsqueeze(1), cond, ctx, word_dropout, generator), state)
            step_logits = self._logits(self.drop(out[:, 0]))
            logits.append(step_logits)
            with torch.no_grad():
                sampled = torch.multinomial(F.softmax(step_logits.float(), -1), 1, generator=generator)[:, 0]
                use = torch.rand(n, device=targets.device, generator=generator) < sample_prob
                prev = torch.where(use, sampled, targets[:, i])
        return torch.stack(logits, dim=1)


class InitialState(nn.Module):
    """tanh(W x + b) split into the (h, c) of every layer: how z or a bar embedding starts an LSTM."""

    def __init__(self, size: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.dense = nn.Linear(size, 2 * layers * hidden)

    def forward(self, x: torch.Tensor) -> LSTMState:
        s = torch.tanh(self.dense(x)).view(x.shape[0], 2, self.layers, self.hidden).permute(1, 2, 0, 3)
        return s[0].contiguous(), s[1].contiguous()


def _last_bidirectional(lstm: nn.LSTM, x: torch.Tensor) -> torch.Tensor:
    """Final forward and backward states of the top layer, concatenated: (N, 2H)."""
    _, (h, _) = lstm(x)
    return torch.cat([h[-2], h[-1]], dim=-1)


class Encoder(nn.Module):
    """Tokens -> (mu, sigma): a 2-layer BiLSTM over the steps, or, hierarchically, over bars then steps, or (a
    code per bar) over each bar alone, the bars' codes side by side."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.per_bar = cfg.bar_latent > 0
        self.hierarchical = cfg.hierarchical_encoder and not self.per_bar
        self.embedding = nn.Embedding(NUM_TOKENS + 1, cfg.embed)
        self.embedding_classes = TokenClasses(cfg.embed) if cfg.class_factors else None
        drop = cfg.dropout if cfg.encoder_layers > 1 else 0.0
        self.rnn = nn.LSTM(cfg.embed, cfg.encoder_size, cfg.encoder_layers, batch_first=True, bidirectional=True,
                           dropout=drop)
        top = 2 * cfg.encoder_size
        if self.hierarchical:
            self.bar_rnn = nn.LSTM(top, cfg.encoder_size, cfg.encoder_layers, batch_first=True, bidirectional=True,
                                   dropout=drop)
        code = cfg.bar_latent if self.per_bar else cfg.latent
        self.mu = nn.Linear(top, code)
        self.sigma = nn.Linear(top, code)

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = _embed(self.embedding, self.embedding_classes, tokens)
        if self.per_bar:
            n, t, e = x.shape
            bars = _last_bidirectional(self.rnn, x.reshape(n * (t // STEPS_PER_BAR), STEPS_PER_BAR, e))
            return self.mu(bars).reshape(n, -1), F.softplus(self.sigma(bars)).reshape(n, -1)
        if self.hierarchical:
            n, t, e = x.shape
            bars = _last_bidirectional(self.rnn, x.reshape(n * (t // STEPS_PER_BAR), STEPS_PER_BAR, e))
            h = _last_bidirectional(self.bar_rnn, bars.view(n, t // STEPS_PER_BAR, -1))
        else:
            h = _last_bidirectional(self.rnn, x)
        return self.mu(h), F.softplus(self.sigma(h))


class FlatDecoder(nn.Module):
    """z -> initial state; every step reads [previous token, z]."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.init = InitialState(cfg.latent, cfg.decoder_size, cfg.decoder_layers)
        self.core = AutoregressiveLSTM(cfg.embed, cfg.latent, cfg.decoder_size, cfg.decoder_layers,
                                       dropout=cfg.dropout, class_factors=cfg.class_factors)

    def forward(self, z, targets, sample_prob=0.0, generator=None, word_dropout=0.0):
        return self.core(targets, z, self.init(z), sample_prob, generator, word_dropout=word_dropout)


class Conductor(nn.Module):
    """z -> one embedding per bar. Not autoregressive: it reads z at every bar, its state starts from z."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.bars = cfg.bars
        self.init = InitialState(cfg.latent, cfg.conductor_size, cfg.conductor_layers)
        self.rnn = nn.LSTM(cfg.latent, cfg.conductor_size, cfg.conductor_layers, batch_first=True,
                           dropout=cfg.dropout if cfg.conductor_layers > 1 else 0.0)

    def forward(self, z: torch.Tensor, bars: Optional[int] = None) -> torch.Tensor:
        bars = bars or self.bars
        out, _ = self.rnn(z.unsqueeze(1).expand(-1, bars, -1), self.init(z))
        return out  # (N, bars, conductor_size)


class BarCodes(nn.Module):
    """z -> one embedding per bar for a code per bar: bar k's embedding is read from bar k's code alone."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.bars, self.size = cfg.bars, cfg.bar_latent
        self.dense = nn.Linear(cfg.bar_latent, cfg.conductor_size)

    def forward(self, z: torch.Tensor, bars: Optional[int] = None) -> torch.Tensor:
        bars = bars or self.bars
        return torch.tanh(self.dense(z.reshape(-1, self.bars, self.size)[:, :bars]))  # (N, bars, conductor_size)


class BarDecoder(nn.Module):
    """Decodes one bar from its embedding alone: state from the embedding, which it also reads every step."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.init = InitialState(cfg.conductor_size, cfg.decoder_size, cfg.decoder_layers)
        self.core = AutoregressiveLSTM(cfg.embed, cfg.conductor_size, cfg.decoder_size, cfg.decoder_layers,
                                       context=cfg.bar_context, dropout=cfg.dropout,
                                       class_factors=cfg.class_factors)


def previous_bars(tokens: torch.Tensor) -> torch.Tensor:
    """For tokens (N, bars*16): each step's token one bar earlier, START for the first bar: (N*bars, 16)."""
    n, t = tokens.shape
    bars = tokens.view(n, t // STEPS_PER_BAR, STEPS_PER_BAR)
    first = torch.full_like(bars[:, :1], START)
    return torch.cat([first, bars[:, :-1]], dim=1).reshape(-1, STEPS_PER_BAR)


class HierarchicalDecoder(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.conductor = BarCodes(cfg) if cfg.bar_latent else Conductor(cfg)
        self.bar = BarDecoder(cfg)

    def forward(self, z, targets, sample_prob=0.0, generator=None, word_dropout=0.0, context_dropout=0.0):
        n, t = targets.shape
        bars = t // STEPS_PER_BAR
        emb = self.conductor(z, bars).reshape(n * bars, -1)
        # bars never share state, so all bars of the batch decode side by side (the bar context, when the model
        # reads one, is the true bar before: teacher-forced at the bar level)
        context = previous_bars(targets) if self.bar.core.context is not None else None
        if context is not None and context_dropout > 0.0:
            # whole bars decoded as if nothing came before: those must come from the code alone
            drop = torch.rand(context.shape[0], device=context.device, generator=generator) < context_dropout
            context = torch.where(drop[:, None], torch.full_like(context, START), context)
        logits = self.bar.core(targets.reshape(n * bars, STEPS_PER_BAR), emb, self.bar.init(emb), sample_prob,
                               generator, context, word_dropout)
        return logits.view(n, t, NUM_TOKENS)


class BarLikelihood(nn.Module):
    """A bar's negative log-likelihood under its own code, teacher-forced: code (R, D), tokens (R, 16) -> nll (R,).
    Only for a model with a code per bar (BarCodes; such a model never reads the bar before)."""

    def __init__(self, model: VAE) -> None:
        super().__init__()
        dec = model.decoder
        assert isinstance(dec, HierarchicalDecoder) and model.cfg.bar_latent
        self.dense, self.init, self.core = dec.conductor.dense, dec.bar.init, dec.bar.core

    def forward(self, code, tokens):
        emb = torch.tanh(self.dense(code))
        logits = self.core(tokens, emb, self.init(emb))
        return -torch.log_softmax(logits, -1).gather(2, tokens[:, :, None])[:, :, 0].sum(1)

    def with_gradient(self, code: torch.Tensor, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The NLL (R,) and its gradient with respect to the code (R, D), each row's its own (bars share nothing):
        what the fit follows, in the trainer, in the exported graph and in the parity check alike."""
        code = code.detach().requires_grad_(True)
        with torch.enable_grad():
            nll = self(code, tokens)
            grad, = torch.autograd.grad(nll, code, grad_outputs=torch.ones_like(nll))
        return nll.detach(), grad


@contextmanager
def evaluating(module: nn.Module):
    """`module` in eval mode for the block, each of its submodules' modes put back after (the model a caller
    handed in is left as it was)."""
    modes = [(m, m.training) for m in module.modules()]
    try:
        module.eval()
        yield module
    finally:
        for m, training in modes:
            m.train(training)


class LstmBaseline(nn.Module):
    """Seed section 3.1: stacked LSTMs predicting the next token."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.core = AutoregressiveLSTM(cfg.lstm_size, 0, cfg.lstm_size, cfg.lstm_layers,
                                       class_factors=cfg.class_factors)

    def forward(self, tokens, sample_prob=0.0, generator=None, use_mean=False, word_dropout=0.0):
        return ModelOutput(self.core(tokens, None, None, sample_prob, generator, word_dropout=word_dropout))


class VAE(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = HierarchicalDecoder(cfg) if cfg.model == "hier" else FlatDecoder(cfg)

    def forward(self, tokens, sample_prob=0.0, generator=None, use_mean=False, word_dropout=0.0, context_dropout=0.0):
        mu, sigma = self.encoder(tokens)
        if use_mean:
            z = mu
        else:
            eps = torch.randn(mu.shape, device=mu.device, dtype=mu.dtype, generator=generator)
            z = mu + sigma * eps
        extra = {"context_dropout": context_dropout} if context_dropout else {}
        return ModelOutput(self.decoder(z, tokens, sample_prob, generator, word_dropout, **extra), mu, sigma)


@dataclass
class ModelOutput:
    logits: torch.Tensor  # (N, T, 512)
    mu: Optional[torch.Tensor] = None
    sigma: Optional[torch.Tensor] = None


def build_model(cfg: ModelConfig) -> nn.Module:
    return LstmBaseline(cfg) if cfg.model == "lstm" else VAE(cfg)


def kl_divergence(mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, 1)) per sequence, in nats, summed over latent dimensions."""
    return 0.5 * (mu.pow(2) + sigma.pow(2) - 1.0 - 2.0 * torch.log(sigma.clamp_min(1e-8))).sum(-1)


def kl_cost(kl: torch.Tensor, free_bits: float) -> torch.Tensor:
    """max(KL - free_bits * ln 2, 0) per sequence: MusicVAE's free bits, subtracted from the total KL."""
    return torch.clamp(kl - free_bits * LN2, min=0.0)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
