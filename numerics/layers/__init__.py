"""Layers on batch matrices (features × N) with exact vector-Jacobian products; see base.py for the protocol."""

from numerics.layers.activation import ACTIVATIONS, Activation
from numerics.layers.base import Layer
from numerics.layers.dense import Dense, Scale, WeightNormDense, wn_rows
from numerics.layers.normalisation import BatchNorm
from numerics.layers.residual import AvgPool, Residual, ZeroPad

__all__ = [
    "ACTIVATIONS", "Activation", "AvgPool", "BatchNorm", "Dense", "Layer", "Residual", "Scale",
    "WeightNormDense", "ZeroPad", "wn_rows",
]
