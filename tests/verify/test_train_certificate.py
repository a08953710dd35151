"""`verify train` certified mode: β and η·β in ball arithmetic; the step-size hypothesis holds rigorously,
the enclosure of β is printed and carried in --json, and an η at the boundary 2/β is refused."""

import json

from flint import arb

from theorems.interval import upper_float
from verify.commands import train
from verify.ui import UI


def test_enclosure_contains_the_float_beta_and_is_tight():
    inst = train.make_instance(train.build_parser().parse_args([]))
    lo, hi = inst.certificate["beta_enclosure"]
    beta = float(inst.consts["beta"])
    assert lo <= beta <= hi and hi - lo <= 1e-12 * beta
    assert inst.certificate["certified"] and inst.certificate["eta_beta_upper"] < 2


def test_eta_at_the_boundary_is_not_certified():
    inst = train.make_instance(train.build_parser().parse_args([]))
    lo, _ = inst.certificate["beta_enclosure"]
    inst.lr = upper_float(arb(2) / arb(lo))  # η ≥ 2/β for some β in the enclosure: not provably < 2/β
    assert not train.certify_step(inst)["certified"]


def test_json_and_text_carry_the_enclosure(capsys):
    assert train.main(["--steps", "3", "--json"], UI(json_mode=True)) == 0
    start = json.loads(capsys.readouterr().out.splitlines()[0])
    cert = start["beta_certificate"]
    assert cert["certified"] and cert["beta_enclosure"][0] <= cert["beta_enclosure"][1]
    assert train.main(["--steps", "3"], UI()) == 0
    assert "β ∈ [" in capsys.readouterr().out
    assert train.main(["--steps", "3", "--mode", "practical", "--json"], UI(json_mode=True)) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[0])["beta_certificate"] is None
