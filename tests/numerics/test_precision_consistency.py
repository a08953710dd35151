"""Every public numeric entry point gives the same value in float64 and on mpmath object arrays (50 digits).

The methods are discovered by introspection — every public method of ``Network``, every public function of
``numerics.costs`` and ``numerics.attack.quantities``, ``forward``/``vjp`` of every layer class — and their
arguments are supplied by parameter name, so a method added later is covered automatically (or the test
fails asking for an argument of that name). For each entry point, on the R7 networks with each smooth
activation:

* the 50-digit result is an object array (no silent fall-back to float64) …
* … that agrees with the float64 result to float64 round-off (normwise relative, ROUNDOFF_RTOL) …
* … and with a 70-digit result to 40 digits (HIGHPREC_RTOL), so no float64 constant or step hides inside.

A silently wrong number (e.g. a complex step whose ``.imag`` is 0 on object arrays) fails the second test.
"""

from __future__ import annotations

import inspect

import mpmath
import numpy as np
import pytest
import sympy

from numerics import costs, layers as layers_pkg, ops
from numerics.architectures import residual_ce_net
from numerics.attack import quantities
from numerics.layers import (
    Activation, AvgPool, AvgPool2d, BatchNorm, BatchNorm2d, ChannelPad, Conv2d, Dense, Flatten, Residual, Scale,
    Sequential, WeightNormDense, ZeroPad,
)
from numerics.layers.base import Layer
from numerics.network import Network

ACTIVATIONS = ("tanh", "sigmoid", "softplus", "gelu")  # the smooth activations R7 admits
ROUNDOFF_RTOL = 1e-12  # float64 vs 50 digits, normwise (max |a − b| / max |b|); measured worst 1.1e-15
HIGHPREC_RTOL = 1e-40  # 50 vs 70 digits: only the last digits may differ
LOW, HIGH = 50, 70
# argument names whose value is a numeric array (an mpmath object array in the 50-digit run)
NUMERIC = {"p", "X", "v", "G", "tape", "params_list", "Z", "A", "S", "H", "params", "cache"}
MEASURED: dict[str, float] = {}  # entry point -> worst float64-vs-50-digit disagreement (for bench/reports)


# --------------------------------------------------------------------------------------- helpers
def r7_net(act: str) -> Network:
    return residual_ce_net(d=3, K=2, m=3, blocks=2, alpha=0.1, eps=1.0, activation=act)


def composite_net() -> Network:
    """The layer kinds the R7 net does not use: biased Dense, affine BN, shortcuts, isometries, relu."""
    return Network([
        Dense(3, 4), BatchNorm(4, eps=0.1, affine=True), Activation("relu"), WeightNormDense(4, 4),
        Residual([Activation("gelu"), Dense(4, 2)], shortcut=Dense(4, 2, bias=False), fixed=AvgPool(4, 2)),
        Residual([Dense(2, 3)], shortcut=Dense(2, 3, bias=False), fixed=ZeroPad(2, 3)),
        Residual([Activation("sigmoid"), Dense(3, 3), Scale(0.5)]),
    ])


def image_net() -> Network:
    """The image layers (R8's conv network): conv, BN2d, a strided residual with a pooled, padded fixed path."""
    return Network([
        Conv2d(1, 2, kernel=2, in_hw=(3, 3), padding=1),  # (1, 3, 3) -> (2, 4, 4)
        BatchNorm2d((2, 4, 4), eps=0.1, affine=True), Activation("softplus"),
        Residual([Conv2d(2, 3, kernel=2, in_hw=(4, 4), stride=2)],  # -> (3, 2, 2)
                 shortcut=Conv2d(2, 3, kernel=1, in_hw=(4, 4), stride=2, bias=False),
                 fixed=Sequential([AvgPool2d((2, 4, 4), 2), ChannelPad((2, 2, 2), 0, 1)])),
        Flatten((3, 2, 2)), Dense(12, 2),
    ])


def call(fn, args: dict, where: str):
    """fn(**the arguments it names); a required parameter without a test value fails the test by name."""
    kwargs = {}
    for name, prm in inspect.signature(fn).parameters.items():
        if name in args:
            kwargs[name] = args[name]
        elif prm.default is inspect.Parameter.empty:
            pytest.fail(f"{where}: no test value for parameter {name!r}; add one to the argument tables of "
                        f"{__name__} so that the new entry point is checked at 50 digits")
    return fn(**kwargs)


def leaves(x, path="out"):
    """(path, value) for every array or scalar inside tuples, lists, dicts and NamedTuples (None skipped)."""
    if x is None:
        return
    if isinstance(x, dict):
        for k in sorted(x):
            yield from leaves(x[k], f"{path}[{k!r}]")
    elif isinstance(x, (tuple, list)):
        for i, v in enumerate(x):
            yield from leaves(v, f"{path}[{i}]")
    else:
        yield path, x


def to_float(a) -> np.ndarray:
    """An mpmath object array as float64; a complex (mpc) entry raises — it would be a silent leak."""
    a = np.asarray(a)
    if a.dtype != object:
        return a.astype(float) if a.dtype.kind in "biuf" else a
    return np.vectorize(lambda t: float(t) if not isinstance(t, mpmath.mpc) else
                        pytest.fail(f"complex entry {t} in a real result"), otypes=[float])(a)


def disagreement(a, b) -> float:
    """Normwise relative difference max|a − b| / max|b| (0 when both vanish)."""
    a, b = to_float(a), to_float(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    if a.size == 0:
        return 0.0
    scale = np.max(np.abs(b))
    diff = np.max(np.abs(a - b))
    return float(diff / scale) if scale > 0 else float(diff)


def mp_disagreement(a, b) -> mpmath.mpf:
    a, b = np.asarray(a, dtype=object).reshape(-1), np.asarray(b, dtype=object).reshape(-1)
    if a.size == 0:
        return mpmath.mpf(0)
    scale = max(abs(t) for t in b)
    diff = max(abs(s - t) for s, t in zip(a, b))
    return diff / scale if scale > 0 else diff


def compare(where: str, out64, out50, out70, numeric_input: bool):
    L64, L50, L70 = list(leaves(out64)), list(leaves(out50)), list(leaves(out70))
    assert [p for p, _ in L64] == [p for p, _ in L50] == [p for p, _ in L70], where
    worst = 0.0
    for (path, a), (_, b), (_, c) in zip(L64, L50, L70):
        if isinstance(a, str) or np.asarray(a).dtype.kind in "biu":  # names, shapes, labels: exact
            assert np.array_equal(a, b) and np.array_equal(a, c), f"{where} {path}"
            continue
        b_arr = np.asarray(b)
        if numeric_input:
            assert b_arr.dtype == object, (f"{where} {path}: 50-digit inputs gave a {b_arr.dtype} result — "
                                           "computed in float64, not at 50 digits")
        d = disagreement(a, b)
        worst = max(worst, d)
        assert d <= ROUNDOFF_RTOL, f"{where} {path}: float64 and 50 digits disagree by {d:.3g} (relative)"
        if b_arr.dtype == object:
            with mpmath.workdps(HIGH):
                e = mp_disagreement(b, c)
            assert e <= HIGHPREC_RTOL, f"{where} {path}: 50 and 70 digits disagree by {mpmath.nstr(e, 3)}"
    MEASURED[where] = max(MEASURED.get(where, 0.0), worst)


def at_precision(make_args, fn_of_args, where, numeric_input):
    out64 = fn_of_args(make_args(None))
    outs = []
    for dps in (LOW, HIGH):
        with mpmath.workdps(dps):
            outs.append(fn_of_args(make_args(dps)))
    compare(where, out64, *outs, numeric_input)


def public_methods(obj) -> list[str]:
    return sorted(n for n, m in inspect.getmembers(obj, callable) if not n.startswith("_")
                  and not inspect.isclass(m))


def public_functions(module) -> list[str]:
    return sorted(n for n, f in inspect.getmembers(module, inspect.isfunction)
                  if not n.startswith("_") and f.__module__ == module.__name__)


def mp(x, dps):
    return np.asarray(x) if dps is None else ops.to_mp(x, dps)


# ----------------------------------------------------------------------------------------- Network
def network_args(net: Network, cost: str, dps):
    rng = np.random.default_rng(7)
    P, d, K, N = net.num_params, net.in_features, net.out_features, 4
    p = mp(rng.standard_normal((2, P)), dps)  # two instances: the instance axis is exercised too
    X = mp(rng.standard_normal((d, N)), dps)
    y = rng.integers(0, K, N) if cost == "ce" else mp(rng.standard_normal((K, N)), dps)
    args = {"p": p, "X": X, "y": y, "cost": cost, "v": mp(rng.standard_normal((2, P)), dps),
            "G": mp(rng.standard_normal((2, K, N)), dps), "seed": 3, "n": None}
    args["tape"] = net.forward_with_caches(p, X)[1]
    args["params_list"] = net.unflatten(p)
    return args


def _network_cases():
    for act in ACTIVATIONS:
        for name in public_methods(r7_net(act)):
            yield pytest.param(act, name, id=f"{act}-{name}")


@pytest.mark.parametrize("act, method", list(_network_cases()))
def test_network_method_is_precision_consistent(act, method):
    net = r7_net(act)
    fn = getattr(net, method)
    params = inspect.signature(fn).parameters
    for cost in (costs.COSTS if "cost" in params else ("ce",)):
        at_precision(lambda dps: network_args(net, cost, dps),
                     lambda args: call(getattr(net, method), args, f"Network.{method}"),
                     f"Network.{method}[{act}, {cost}]", bool(NUMERIC & set(params)))


def test_hvp_at_50_digits_is_not_the_float64_artefact_of_the_issue():
    """The defect this file guards against: hvp on object arrays returned zeros (complex step, `.imag`)."""
    net = r7_net("tanh")
    args = network_args(net, "ce", None)
    h64 = net.hvp(args["p"], args["X"], args["y"], "ce", args["v"])
    with mpmath.workdps(LOW):
        mixed = net.hvp(ops.to_mp(args["p"]), args["X"], args["y"], "ce", args["v"])  # float v, mp p
    assert np.max(np.abs(h64)) > 1e-3
    assert disagreement(h64, mixed) <= ROUNDOFF_RTOL


def test_hvp_refuses_sympy_with_a_message_naming_it():
    net = r7_net("tanh")
    p = np.array([sympy.Symbol(f"p{i}") for i in range(net.num_params)], dtype=object)
    with pytest.raises(ValueError, match=r"Network\.hvp: p holds sympy"):
        net.hvp(p, np.ones((3, 2)), np.array([0, 1]), "ce", np.ones(net.num_params))


# ------------------------------------------------------------------------------------------ costs
def cost_args(cost: str, dps):
    rng = np.random.default_rng(5)
    K, N = 3, 4
    Z = rng.standard_normal((2, K, N)) * 3
    y = rng.integers(0, K, N) if cost == "ce" else rng.standard_normal((K, N))
    return {"Z": mp(Z, dps), "y": y if cost == "ce" else mp(y, dps), "cost": cost, "K": K,
            "E": costs.one_hot(rng.integers(0, K, N), K)}


@pytest.mark.parametrize("function", public_functions(costs))
def test_cost_function_is_precision_consistent(function):
    fn = getattr(costs, function)
    params = inspect.signature(fn).parameters
    for cost in (costs.COSTS if "cost" in params else ("ce",)):
        at_precision(lambda dps: cost_args(cost, dps), lambda args: call(fn, args, f"costs.{function}"),
                     f"costs.{function}[{cost}]", bool(NUMERIC & set(params)))


# ------------------------------------------------------------------------------------- quantities
def quantity_args(dps):
    rng = np.random.default_rng(9)
    A = rng.standard_normal((2, 4, 3))
    B = rng.standard_normal((2, 4, 4))
    S = B @ np.swapaxes(B, -1, -2) + 0.5 * np.eye(4)  # symmetric positive definite: λ_min well-conditioned
    return {"v": mp(rng.standard_normal((2, 5)), dps), "A": mp(A, dps), "S": mp(S, dps)}


@pytest.mark.parametrize("function", public_functions(quantities))
def test_quantity_is_precision_consistent(function):
    fn = getattr(quantities, function)
    at_precision(quantity_args, lambda args: call(fn, args, f"quantities.{function}"),
                 f"quantities.{function}", bool(NUMERIC & set(inspect.signature(fn).parameters)))


def test_quantities_table_lists_every_public_function():
    assert set(quantities.QUANTITIES) == set(public_functions(quantities))


# ----------------------------------------------------------------------------------------- layers
NETS = {**{act: (lambda act=act: r7_net(act)) for act in ACTIVATIONS}, "composite": composite_net, "image": image_net}
# the layer protocol: every public method of Layer that takes a numeric argument (forward, vjp, vjp_input, …)
LAYER_PROTOCOL = {name: [a for a in inspect.signature(getattr(Layer, name)).parameters if a != "self"]
                  for name in public_methods(Layer)
                  if NUMERIC & set(inspect.signature(getattr(Layer, name)).parameters)}


def _all_layers(layer_list):
    for layer in layer_list:
        yield layer
        yield from _all_layers(getattr(layer, "layers", []))  # Sequential
        if isinstance(layer, Residual):
            yield from _all_layers(layer.branch + [m for m in (layer.shortcut, layer.fixed) if m is not None])


def _layer_cases():
    for tag, make in NETS.items():
        for i, layer in enumerate(make().layers):
            yield pytest.param(tag, i, id=f"{tag}-{i}-{type(layer).__name__}")


def test_layer_cases_cover_every_layer_class_and_the_protocol():
    seen = {type(layer) for make in NETS.values() for layer in _all_layers(make().layers)}
    exported = {c for c in vars(layers_pkg).values() if inspect.isclass(c) and issubclass(c, Layer) and c is not Layer}
    assert exported <= seen, f"layer classes not exercised at 50 digits: {exported - seen}"
    assert {"forward", "vjp", "vjp_input"} <= set(LAYER_PROTOCOL)


@pytest.mark.parametrize("tag, index", list(_layer_cases()))
def test_layer_forward_and_vjp_are_precision_consistent(tag, index):
    net = NETS[tag]()
    layer = net.layers[index]

    def make(dps):
        args = network_args(net, "ce", dps)
        tape = args["tape"]
        H = tape.inputs[index]
        out, cache = layer.forward(tape.params[index], H)
        rng = np.random.default_rng(index)
        return {"params": tape.params[index], "H": H, "cache": cache, "G": mp(rng.standard_normal(np.shape(out)), dps)}

    for method, names in LAYER_PROTOCOL.items():
        # positional, by the base class's parameter names (subclasses rename the cache: slope, caches, …);
        # a forward cache may hold anything (arrays, tuples of arrays, None): compared leaf by leaf
        fn = getattr(layer, method)
        at_precision(make, lambda a: fn(*(a[n] for n in names)), f"{type(layer).__name__}.{method}[{tag}]", True)

