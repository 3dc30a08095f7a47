#!/usr/bin/python3
"""Golden fixture for conv2d: torch.nn.functional.conv2d forward and its autograd gradients
(gradInput, gradWeight, gradBias) for one stride-2, padded, dilated case with a random
upstream gradient. Run by hand with Debian's python3 (torch 1.13):
    /usr/bin/python3 packages/kernels/src/ops/conv2d/gen_conv2d.py
writes conv2d_golden.json next to this script. Tests read the JSON; they never run Python."""
import json
import os

import torch

torch.manual_seed(0)
x_shape, weight_shape = (2, 3, 9, 8), (4, 3, 3, 3)
stride, padding, dilation = (2, 2), (1, 2), (2, 1)

x = torch.randn(x_shape, dtype=torch.float64, requires_grad=True)
weight = torch.randn(weight_shape, dtype=torch.float64, requires_grad=True)
bias = torch.randn(weight_shape[0], dtype=torch.float64, requires_grad=True)
y = torch.nn.functional.conv2d(x, weight, bias, stride=stride, padding=padding, dilation=dilation)
grad_output = torch.randn(y.shape, dtype=torch.float64)
y.backward(grad_output)


def flat(t):
    return [round(v, 9) for v in t.detach().reshape(-1).tolist()]


fixture = {
    "generator": "gen_conv2d.py",
    "torch": torch.__version__,
    "xShape": list(x_shape),
    "weightShape": list(weight_shape),
    "yShape": list(y.shape),
    "stride": list(stride),
    "padding": list(padding),
    "dilation": list(dilation),
    "x": flat(x),
    "weight": flat(weight),
    "bias": flat(bias),
    "y": flat(y),
    "gradOutput": flat(grad_output),
    "gradInput": flat(x.grad),
    "gradWeight": flat(weight.grad),
    "gradBias": flat(bias.grad),
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv2d_golden.json"), "w") as f:
    json.dump(fixture, f, separators=(",", ":"))
    f.write("\n")
