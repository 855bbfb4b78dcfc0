"""engine.pl_graph / engine.pl_slice: tracing piecewise-linear models, checked against
the model's own eval-mode forward pass and torch's autograd Jacobian in float64."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from engine.networks import Abs
from engine.pl_graph import trace_piecewise_linear
from engine.pl_local import local_affine_map
from engine.pl_slice import point_forward


def _randomise_batchnorms(model: nn.Module, seed: int) -> nn.Module:
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            n = module.num_features
            module.running_mean.copy_(torch.randn(n, generator=generator))
            module.running_var.copy_(0.5 + torch.rand(n, generator=generator))
            if module.affine:
                with torch.no_grad():
                    module.weight.copy_(torch.randn(n, generator=generator))
                    module.bias.copy_(torch.randn(n, generator=generator))
    return model


class Residual(nn.Module):
    """Residual additions, concatenation, reductions and functional activations."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, padding=1)
        self.skip = nn.Conv2d(2, 4, 1, bias=False)
        self.drop = nn.Dropout(0.5)
        self.ident = nn.Identity()
        self.head = nn.Linear(8 * 3, 5)

    def forward(self, x):
        h = F.relu(self.conv(x)) + self.skip(x)
        h = torch.cat([h, torch.clamp(h, -0.5, 0.7)], dim=1)
        h = self.drop(self.ident(h)) * 2.0 - 0.25
        h = h.clamp_min(-0.1) / 3.0
        rows = h.mean(dim=3)
        rows = rows.permute(0, 2, 1).sum(dim=1, keepdim=True)
        return self.head(torch.cat([rows.flatten(1), h[:, :, 0, :2].flatten(1)], dim=1)[:, :24])


def _cases():
    torch.manual_seed(0)
    return {
        "mlp-leaky-abs-prelu": (
            nn.Sequential(
                nn.Linear(6, 8), nn.LeakyReLU(0.2), nn.Linear(8, 8), Abs(), nn.Linear(8, 8),
                nn.PReLU(), nn.Linear(8, 3),
            ),
            (6,),
        ),
        "conv1d-bn-maxpool1d": (
            nn.Sequential(
                nn.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2, groups=2),
                nn.BatchNorm1d(4), nn.ReLU(), nn.MaxPool1d(3, stride=2, padding=1),
                nn.Flatten(), nn.Linear(4 * 4, 3),
            ),
            (2, 15),
        ),
        "conv2d-hardtanh-pools-transpose": (
            nn.Sequential(
                nn.Conv2d(2, 4, 3, stride=1, padding=2, dilation=2, groups=2,
                          padding_mode="reflect"),
                nn.BatchNorm2d(4), nn.Hardtanh(-0.5, 0.8), nn.AvgPool2d(2),
                nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1),
                nn.ReLU6(), nn.PReLU(3),
                nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
                nn.AdaptiveAvgPool2d((2, 3)), nn.Flatten(), nn.Linear(18, 4),
            ),
            (2, 9, 9),
        ),
        "bn-after-relu-and-linear": (
            nn.Sequential(
                nn.Linear(5, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.BatchNorm1d(6),
                nn.Linear(6, 2),
            ),
            (5,),
        ),
        "residual-cat-reductions": (Residual(), (2, 5, 5)),
        "unflatten": (
            nn.Sequential(nn.Unflatten(1, (1, 6, 6)), nn.Conv2d(1, 3, 3), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12, 2)),
            (36,),
        ),
    }  # fmt: skip


CASES = _cases()


def _model(name):
    model, shape = CASES[name]
    _randomise_batchnorms(model, 1)
    return model.eval(), shape


@pytest.mark.parametrize("name", list(CASES))
def test_forward_matches_eval_model(name):
    model, shape = _model(name)
    graph = trace_piecewise_linear(model, shape)
    x = torch.randn((20, *shape), generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    with torch.no_grad():
        expected = model.to(torch.float64)(x)
    got = point_forward(graph, x)
    assert got.shape == expected.shape
    scale = max(1.0, float(expected.abs().max()))
    assert float((got - expected).abs().max()) <= 1e-12 * scale


@pytest.mark.parametrize("name", list(CASES))
def test_local_affine_map_matches_autograd(name):
    model, shape = _model(name)
    model = model.to(torch.float64)
    graph = trace_piecewise_linear(model, shape)
    rng = np.random.default_rng(3)
    for _ in range(3):
        x = rng.normal(size=shape)
        piece = local_affine_map(graph, x)
        xt = torch.from_numpy(x)[None]
        with torch.no_grad():
            expected = model(xt).reshape(-1).numpy()
        jacobian = torch.autograd.functional.jacobian(lambda t: model(t).reshape(-1), xt)
        jacobian = jacobian.reshape(len(expected), -1).numpy()
        scale = max(1.0, np.abs(expected).max())
        np.testing.assert_allclose(piece.output, expected, rtol=0, atol=1e-12 * scale)
        np.testing.assert_allclose(piece.jacobian, jacobian, rtol=0, atol=1e-12 * scale)
        np.testing.assert_allclose(
            piece.jacobian @ x.reshape(-1) + piece.offset, expected, rtol=0, atol=1e-12 * scale
        )
        n_bits = sum(s.n_bits for s in graph.cutting_steps)
        assert piece.pattern.shape == (n_bits,)


def test_batchnorm_is_folded_into_the_convolution_before_it():
    model, shape = _model("conv1d-bn-maxpool1d")
    graph = trace_piecewise_linear(model, shape)
    kinds = [s.op for s in graph.steps]
    assert any("Conv1d" in k and "BatchNorm1d" in k for k in kinds), kinds
    assert not any(k.startswith("call_module BatchNorm1d") for k in kinds)
    # A BatchNorm after a ReLU has no affine layer to fold into: it stays a step.
    graph = trace_piecewise_linear(*_model("bn-after-relu-and-linear"))
    ops = [s.op for s in graph.steps]
    assert sum("BatchNorm1d" in op for op in ops) == 2
    assert any(op.startswith("call_module BatchNorm1d") for op in ops)


def test_training_mode_model_is_read_in_eval_mode():
    model, shape = _model("conv1d-bn-maxpool1d")
    model.train()
    graph = trace_piecewise_linear(model, shape)
    assert model.training
    x = torch.randn((4, *shape), dtype=torch.float64)
    with torch.no_grad():
        expected = model.to(torch.float64).eval()(x)
    torch.testing.assert_close(point_forward(graph, x), expected, rtol=0, atol=1e-12)


class _Tanh(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.act(self.fc(x))


class _Softmax(nn.Module):
    def forward(self, x):
        return torch.softmax(x, dim=1)


class _Product(nn.Module):
    def forward(self, x):
        return torch.relu(x) * x


class _Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(4, 1, batch_first=True)

    def forward(self, x):
        return self.attn(x, x, x)[0]


class _BatchMean(nn.Module):
    def forward(self, x):
        return x - x.mean(dim=0, keepdim=True)


@pytest.mark.parametrize(
    ("model", "shape", "words"),
    [
        (_Tanh(), (3,), ["'act'", "Tanh"]),
        (nn.Sequential(nn.Linear(3, 3), nn.GELU()), (3,), ["'1'", "GELU"]),
        (_Softmax(), (3,), ["'softmax'", "softmax"]),
        (_Product(), (3,), ["'mul'", "mul"]),
        (_Attention(), (2, 4), ["'attn'", "MultiheadAttention"]),
        (_BatchMean(), (3,), ["'mean'", "mean"]),
        (nn.Sequential(nn.Linear(3, 3), nn.Sigmoid()), (3,), ["Sigmoid"]),
    ],
)
def test_refused_nodes_are_named(model, shape, words):
    with pytest.raises(ValueError, match="not supported") as error:
        trace_piecewise_linear(model, shape)
    for word in words:
        assert word in str(error.value)


class _Branching(nn.Module):
    """Python control flow on a value: fx cannot trace it, hooks can read the chain."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 2, 3)
        self.bn = nn.BatchNorm1d(2)
        self.fc = nn.Linear(2 * 6, 2)

    def forward(self, x):
        if x.shape[0] > 0 and bool(torch.isfinite(x).all()):
            h = torch.nn.functional.relu(self.bn(self.conv(x)))
        return self.fc(h.view(h.size(0), -1))


class _BranchingResidual(_Branching):
    def forward(self, x):
        if bool(torch.isfinite(x).all()):
            h = self.conv(x)
        return self.fc(torch.relu(h + 1).flatten(1))


class _BranchingChain(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 2, 3)
        self.bn = nn.BatchNorm1d(2)
        self.act = nn.ReLU()
        self.fc = nn.Linear(2 * 6, 2)

    def forward(self, x):
        if bool(torch.isfinite(x).all()):
            h = self.act(self.bn(self.conv(x)))
        return self.fc(h.view(h.size(0), -1))


def test_untraceable_chain_is_read_with_hooks():
    model = _randomise_batchnorms(_BranchingChain(), 4).eval()
    with pytest.warns(RuntimeWarning, match="forward hooks"):
        graph = trace_piecewise_linear(model, (1, 8))
    assert graph.traced_with == "forward hooks"
    assert [s.kind for s in graph.cutting_steps] == ["relu"]
    x = torch.randn(6, 1, 8, dtype=torch.float64)
    with torch.no_grad():
        expected = model.to(torch.float64)(x)
    torch.testing.assert_close(point_forward(graph, x), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("model", [_Branching(), _BranchingResidual()])
def test_untraceable_model_that_hooks_cannot_read_is_refused(model):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"torch\.fx could not trace") as error:
            trace_piecewise_linear(model.eval(), (1, 8))
    assert "forward hooks could not read it" in str(error.value)


def test_non_finite_weights_are_refused_by_name():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 6 * 6, 2))
    with torch.no_grad():
        model[0].weight[1, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match=r"'0\.weight' has NaN or infinite"):
        trace_piecewise_linear(model, (1, 8, 8))
