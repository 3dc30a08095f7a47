"""Golden values for packages/kernels/src/ops/cross_entropy from torch.nn.functional.cross_entropy.

Run by hand with Debian's python3 (torch 1.13):
    /usr/bin/python3 packages/kernels/src/ops/cross_entropy/gen_cross_entropy.py
Writes cross_entropy.fixture.json beside this file. Logits are rounded to float32 so the JS
side uploads exactly the values torch saw; torch computes in float64.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

N, C = 5, 7
rng = np.random.default_rng(20261125)
logits = rng.normal(0.0, 2.0, size=(N, C)).astype(np.float32)
labels = np.array([3, 0, 6, 3, 1], dtype=np.int64)
grad_output_scalar = 0.7
grad_output_none = rng.normal(0.0, 1.0, size=(N,)).astype(np.float32)

cases = []
for smoothing in (0.0, 0.1):
    for reduction in ("mean", "sum", "none"):
        x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
        y = torch.tensor(labels)
        loss = F.cross_entropy(x, y, reduction=reduction, label_smoothing=smoothing)
        upstream = torch.tensor(grad_output_none if reduction == "none" else [grad_output_scalar], dtype=torch.float64)
        loss.backward(upstream.reshape(loss.shape))
        cases.append({
            "reduction": reduction,
            "labelSmoothing": smoothing,
            "loss": loss.detach().reshape(-1).tolist(),
            "gradOutput": upstream.tolist(),
            "gradLogits": x.grad.reshape(-1).tolist(),
        })

fixture = {
    "generator": "gen_cross_entropy.py",
    "torch": torch.__version__,
    "numpy": np.__version__,
    "shape": [N, C],
    "logits": logits.reshape(-1).tolist(),
    "labels": labels.tolist(),
    "cases": cases,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cross_entropy.fixture.json")
with open(path, "w") as f:
    json.dump(fixture, f, indent=1)
    f.write("\n")
print(f"wrote {path}")
