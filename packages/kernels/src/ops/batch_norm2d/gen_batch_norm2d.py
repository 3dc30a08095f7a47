"""Golden fixture for batch_norm2d from PyTorch: one training step of nn.BatchNorm2d
(forward, running stats after it, backward with a random upstream gradient), then an eval
forward with the updated running stats.

Run by hand: /usr/bin/python3 gen_batch_norm2d.py  (writes batch_norm2d_torch.json beside it).
Inputs are float32 values; the maths runs in float64 so the fixture is the exact answer for them.
"""
import json
import os

import torch

SHAPE = (3, 2, 3, 5)  # (B, C, H, W): odd sizes, n = 45 values per channel
MOMENTUM = 0.1
EPS = 1e-5


def f32(t):
    return t.float().double()


def main():
    torch.manual_seed(7)
    channels = SHAPE[1]
    x = f32(torch.randn(SHAPE) * 2 + 0.5).requires_grad_()
    grad_output = f32(torch.randn(SHAPE))
    bn = torch.nn.BatchNorm2d(channels, eps=EPS, momentum=MOMENTUM).double()
    with torch.no_grad():
        bn.weight.copy_(f32(torch.rand(channels) + 0.5))
        bn.bias.copy_(f32(torch.randn(channels)))
        bn.running_mean.copy_(f32(torch.randn(channels) * 0.1))
        bn.running_var.copy_(f32(torch.rand(channels) + 0.5))
    before = {"runningMean": bn.running_mean.tolist(), "runningVar": bn.running_var.tolist()}

    bn.train()
    y = bn(x)
    y.backward(grad_output)
    bn.eval()
    with torch.no_grad():
        y_eval = bn(x)

    fixture = {
        "generator": "gen_batch_norm2d.py",
        "torch": torch.__version__,
        "shape": list(SHAPE),
        "momentum": MOMENTUM,
        "eps": EPS,
        "x": x.detach().flatten().tolist(),
        "weight": bn.weight.detach().tolist(),
        "bias": bn.bias.detach().tolist(),
        "runningMeanBefore": before["runningMean"],
        "runningVarBefore": before["runningVar"],
        "output": y.detach().flatten().tolist(),
        "runningMeanAfter": bn.running_mean.tolist(),
        "runningVarAfter": bn.running_var.tolist(),
        "gradOutput": grad_output.flatten().tolist(),
        "gradInput": x.grad.flatten().tolist(),
        "gradWeight": bn.weight.grad.tolist(),
        "gradBias": bn.bias.grad.tolist(),
        "evalOutput": y_eval.flatten().tolist(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "batch_norm2d_torch.json")
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
