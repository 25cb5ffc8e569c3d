import math

import numpy as np
import pytest
import torch

from trainer.models import (
    START,
    AutoregressiveLSTM,
    build_model,
    kl_cost,
    kl_divergence,
    model_config,
)
from trainer.schedules import kl_beta, learning_rate, sampling_probability
from trainer.train import TrainConfig, batch_loss


@pytest.mark.parametrize("kind", ["lstm", "flat", "hier"])
@pytest.mark.parametrize("bars", [2, 16])
def test_every_model_gives_512_logits_per_step(kind, bars):
    cfg = model_config(kind, bars, "tiny")
    model = build_model(cfg)
    tokens = torch.randint(0, 512, (3, bars * 16))
    out = model(tokens, sample_prob=0.0)
    assert out.logits.shape == (3, bars * 16, 512)
    if kind == "lstm":
        assert out.mu is None
    else:
        assert out.mu.shape == out.sigma.shape == (3, cfg.latent)
        assert (out.sigma > 0).all()


def test_paper_preset_has_the_seed_sizes():
    cfg = model_config("hier", 16, "paper")
    assert (2 * cfg.encoder_size, cfg.latent, cfg.conductor_size, cfg.decoder_size) == (2048, 512, 1024, 1024)
    assert model_config("lstm", 2, "paper").lstm_size == 64 and model_config("lstm", 2, "paper").lstm_layers == 3


def test_kl_matches_the_closed_form_by_hand():
    mu = torch.tensor([[1.0, 0.0]])
    sigma = torch.tensor([[1.0, 0.5]])
    # 0.5 * [(1 + 1 - 1 - 0) + (0 + 0.25 - 1 - 2 ln 0.5)]
    expected = 0.5 * (1.0 + (0.25 - 1.0 - 2.0 * math.log(0.5)))
    assert kl_divergence(mu, sigma).item() == pytest.approx(expected)
    assert kl_divergence(torch.zeros(1, 4), torch.ones(1, 4)).item() == 0.0


def test_free_bits_are_subtracted_in_bits_from_the_total():
    kl = torch.tensor([100.0, 10.0])
    assert kl_cost(kl, 48).tolist() == pytest.approx([100 - 48 * math.log(2), 0.0])


def test_schedules_by_hand():
    assert learning_rate(0, 1e-3, 0.9999, 1e-5) == 1e-3
    assert learning_rate(10_000, 1e-3, 0.9999, 1e-5) == pytest.approx(1e-3 * 0.9999**10_000)
    assert learning_rate(10**6, 1e-3, 0.9999, 1e-5) == 1e-5
    assert kl_beta(0, 0.2, 0.99999) == 0.0
    assert kl_beta(10**7, 0.2, 0.99999) == pytest.approx(0.2)
    assert sampling_probability(123, "fixed", 0.5, 1000) == 0.5
    assert sampling_probability(123, "teacher", 0.5, 1000) == 0.0
    k = 1000.0
    assert sampling_probability(0, "inverse_sigmoid", 0.5, k) == pytest.approx(1 - k / (k + 1))
    assert sampling_probability(int(k * math.log(k)), "inverse_sigmoid", 0.5, k) == pytest.approx(0.5, abs=1e-3)


def test_scheduled_sampling_with_p_0_is_teacher_forcing():
    torch.manual_seed(0)
    core = AutoregressiveLSTM(8, 4, 16, 2)
    targets = torch.randint(0, 512, (5, 12))
    cond = torch.randn(5, 4)
    fused = core(targets, cond, None, sample_prob=0.0)
    stepwise = core(targets, cond, None, sample_prob=1e-12)  # the step-by-step path, never sampling
    assert torch.allclose(fused, stepwise, atol=1e-5)


def test_scheduled_sampling_with_p_1_feeds_back_its_own_samples():
    torch.manual_seed(0)
    core = AutoregressiveLSTM(8, 0, 16, 1)
    targets = torch.randint(0, 512, (4, 6))
    g1 = torch.Generator().manual_seed(3)
    g2 = torch.Generator().manual_seed(3)
    a = core(targets, None, None, sample_prob=1.0, generator=g1)
    b = core(torch.randint(0, 512, (4, 6)), None, None, sample_prob=1.0, generator=g2)
    assert torch.allclose(a, b)  # with p = 1 the true tokens are never read


def test_the_start_token_is_outside_the_vocabulary():
    assert START == 512


def test_hierarchical_bars_do_not_see_each_other_except_through_z():
    torch.manual_seed(0)
    model = build_model(model_config("hier", 2, "tiny")).eval()
    tokens = torch.randint(0, 512, (1, 32))
    z = torch.randn(1, model.cfg.latent)
    changed = tokens.clone()
    changed[0, :16] = torch.randint(0, 512, (16,))
    a = model.decoder(z, tokens)
    b = model.decoder(z, changed)
    assert torch.allclose(a[:, 16:], b[:, 16:])  # bar 2's logits ignore bar 1's tokens
    assert not torch.allclose(a[:, :16], b[:, :16])


@pytest.mark.parametrize("kind", ["flat", "hier"])
def test_a_small_set_is_learned_almost_perfectly(kind):
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    data = torch.from_numpy(rng.integers(0, 512, (8, 32)))
    model = build_model(model_config(kind, 2, "tiny", decoder_size=64, latent=16))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    cfg = TrainConfig(free_bits=48, sampling="teacher")
    for step in range(300):
        loss, m = batch_loss(model, data, cfg, step, None)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        out = model(data, use_mean=True)
    accuracy = (out.logits.argmax(-1) == data).float().mean().item()
    assert accuracy > 0.97


def test_a_bar_context_decoder_reads_the_true_bar_before_when_teacher_forced():
    """Teacher-forced logits equal a step-by-step decode fed the true previous token and the true token
    one bar earlier (the 'no bar' token for the first bar)."""
    from trainer.models import previous_bars

    torch.manual_seed(0)
    model = build_model(model_config("hier", 2, "tiny", bar_context=True)).eval()
    tokens = torch.randint(0, 512, (2, 32))
    with torch.no_grad():
        out = model(tokens, use_mean=True)
        dec = model.decoder
        emb = dec.conductor(out.mu, 2).reshape(4, -1)
        context = previous_bars(tokens)
        assert (context[0] == START).all() and (context[1] == tokens[0, :16]).all()
        state, prev, logits = dec.bar.init(emb), torch.full((4,), START), []
        bars = tokens.reshape(4, 16)
        for i in range(16):
            step, state = dec.bar.core.step(prev, emb, state, context[:, i])
            logits.append(step)
            prev = bars[:, i]
    assert torch.allclose(torch.stack(logits, 1).reshape(2, 32, 512), out.logits, atol=1e-5)


def test_greedy_bars_of_a_bar_context_model_feed_each_bar_its_own_bar_before():
    from trainer.evaluate import _greedy, greedy_bars

    torch.manual_seed(1)
    model = build_model(model_config("hier", 2, "tiny", bar_context=True)).eval()
    z = torch.randn(3, model.cfg.latent)
    tokens, _ = greedy_bars(model, z, 2)
    dec = model.decoder
    emb = dec.conductor(z, 2)
    with torch.no_grad():
        second, _ = _greedy(dec.bar.core, emb[:, 1], dec.bar.init(emb[:, 1]), 16, 3, "cpu", tokens[:, :16])
    assert torch.equal(second, tokens[:, 16:])


def test_word_dropout_acts_in_training_batches_only():
    torch.manual_seed(2)
    model = build_model(model_config("hier", 2, "tiny"))
    tokens = torch.randint(0, 512, (4, 32))
    cfg = TrainConfig(word_dropout=0.5, sampling="teacher")
    gen = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    train_a, _ = batch_loss(model, tokens, cfg, 0, gen(), use_mean=True)
    plain, _ = batch_loss(model, tokens, TrainConfig(sampling="teacher"), 0, gen(), use_mean=True)
    valid, _ = batch_loss(model, tokens, cfg, 0, gen(), use_mean=True, sample_prob=0.0)
    assert not torch.isclose(train_a, plain)
    assert torch.isclose(valid, plain)


def test_context_dropout_one_decodes_every_bar_as_if_nothing_came_before():
    torch.manual_seed(3)
    model = build_model(model_config("hier", 2, "tiny", bar_context=True)).eval()
    tokens = torch.randint(0, 512, (2, 32))
    with torch.no_grad():
        z = model.encoder(tokens)[0]
        dropped = model.decoder(z, tokens, context_dropout=1.0)
        dec = model.decoder
        emb = dec.conductor(z, 2).reshape(4, -1)
        alone = dec.bar.core(tokens.reshape(4, 16), emb, dec.bar.init(emb), context=torch.full((4, 16), START))
    assert torch.allclose(dropped, alone.view(2, 32, 512), atol=1e-5)


def test_a_code_per_bar_sizes_the_latent_and_refuses_what_it_cannot_be():
    cfg = model_config("hier", 16, "tiny", bar_latent=4)
    assert cfg.latent == 64
    with pytest.raises(ValueError, match="latent must be 64"):
        type(cfg)(model="hier", bars=16, latent=32, bar_latent=4)
    with pytest.raises(ValueError, match="without bar context"):
        model_config("hier", 16, "tiny", bar_latent=4, bar_context=True)


def test_with_a_code_per_bar_each_bar_is_encoded_and_decoded_from_its_own_code_alone():
    torch.manual_seed(0)
    model = build_model(model_config("hier", 4, "tiny", bar_latent=4)).eval()
    tokens = torch.randint(0, 512, (1, 64))
    changed = tokens.clone()
    changed[0, 16:32] = torch.randint(0, 512, (16,))  # bar 2 only
    with torch.no_grad():
        mu_a, _ = model.encoder(tokens)
        mu_b, _ = model.encoder(changed)
        codes_a, codes_b = mu_a.view(4, 4), mu_b.view(4, 4)
        assert torch.equal(codes_a[[0, 2, 3]], codes_b[[0, 2, 3]]) and not torch.equal(codes_a[1], codes_b[1])
        z = mu_a.clone()
        z2 = z.clone()
        z2[0, 4:8] += 1.0  # move bar 2's code
        a, b = model.decoder(z, tokens), model.decoder(z2, tokens)
    diff = (a - b).abs().amax(-1)[0].view(4, 16).amax(-1)
    assert diff[1] > 1e-4 and torch.all(diff[[0, 2, 3]] == 0)


def test_model_dropout_acts_while_training_only_and_leaves_the_weights_as_they_were():
    torch.manual_seed(3)
    cfg = model_config("hier", 2, "tiny", bar_latent=8, dropout=0.5)
    model = build_model(cfg)
    plain = build_model(model_config("hier", 2, "tiny", bar_latent=8))
    assert model.state_dict().keys() == plain.state_dict().keys()  # old checkpoints load, exports are the same graphs
    tokens = torch.randint(0, 512, (4, 32))
    model.train()
    a, b = (model(tokens, sample_prob=0.0, use_mean=True).logits for _ in range(2))
    assert not torch.allclose(a, b)
    model.eval()
    a, b = (model(tokens, sample_prob=0.0, use_mean=True).logits for _ in range(2))
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="dropout must be in"):
        model_config("hier", 2, "tiny", dropout=1.0)


def test_class_factors_share_each_class_across_the_tokens_that_play_it_and_keep_old_checkpoints_loading():
    torch.manual_seed(4)
    plain = build_model(model_config("hier", 2, "tiny", bar_latent=8))
    model = build_model(model_config("hier", 2, "tiny", bar_latent=8, class_factors=True))
    assert set(plain.state_dict()) < set(model.state_dict())  # the plain layers keep their names
    extra = set(model.state_dict()) - set(plain.state_dict())
    assert extra and all("classes" in k and "bits" not in k for k in extra)
    core = model.decoder.bar.core
    h = torch.randn(3, core.hidden)
    assert torch.equal(core._logits(h), core.out(h))  # class scores start at zero: it begins as the plain head
    with torch.no_grad():
        core.out_classes.dense.bias.copy_(torch.tensor([2.0] + [0.0] * 8))  # a score for the kick alone
    lifted = core._logits(h) - core.out(h)
    kick = (torch.arange(512) & 1).bool()
    assert torch.allclose(lifted[:, kick], torch.tensor(2.0)) and torch.all(lifted[:, ~kick] == 0)
    # on the way in, the tokens that share a class share its vector; START plays nothing
    classes = core.embedding_classes(torch.tensor([0b11, 0b01, 0b10, START]))
    assert torch.allclose(classes[0], classes[1] + classes[2]) and torch.all(classes[3] == 0)
