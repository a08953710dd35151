"""Layers on batch matrices (features × N) with exact vector-Jacobian products; see base.py for the protocol.

Image layers (conv.py) use the same batch matrices: images (C, H, W, N) flattened to (C·H·W, N).
"""

from numerics.layers.activation import ACTIVATIONS, Activation
from numerics.layers.base import Layer
from numerics.layers.conv import (
    AvgPool2d, BatchNorm2d, ChannelPad, Conv2d, Flatten, batch_to_images, images_to_batch,
)
from numerics.layers.dense import Dense, Scale, WeightNormDense, wn_rows
from numerics.layers.normalisation import BatchNorm
from numerics.layers.residual import AvgPool, Residual, Sequential, ZeroPad

__all__ = [
    "ACTIVATIONS", "Activation", "AvgPool", "AvgPool2d", "BatchNorm", "BatchNorm2d", "ChannelPad", "Conv2d",
    "Dense", "Flatten", "Layer", "Residual", "Scale", "Sequential", "WeightNormDense", "ZeroPad",
    "batch_to_images", "images_to_batch", "wn_rows",
]
