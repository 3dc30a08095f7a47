"""Golden trajectories for the optim kernels from torch.optim: a fixed tiny parameter vector
and fixed per-step gradients, 3 steps of each optimizer, recording the parameter after every
step and the optimizer state after the last one. Runs in float32, like training does.

Run by hand: /usr/bin/python3 gen_optim.py  (writes optim_torch.json beside it).
"""
import json
import os

import torch

PARAM = [0.5, -1.25, 2.0, 0.0, -0.3, 1e-3, 3.5]
GRADS = [
    [0.1, -0.2, 0.3, 1.5, -0.05, 0.0, -2.0],
    [-0.4, 0.25, 0.1, 0.7, 0.2, 1e-4, 0.5],
    [0.3, 0.3, -0.6, -1.1, 0.01, -2e-3, 1.0],
]

CASES = [
    ("sgdMomentumWeightDecay", "sgd", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    ("sgdNesterov", "sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.02}),
    ("sgdDampening", "sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("sgdPlain", "sgd", {"lr": 0.2}),
    ("adam", "adam", {"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01}),
    ("adamw", "adamw", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
]

STATE_NAMES = {"momentum_buffer": "momentumBuffer", "exp_avg": "expAvg", "exp_avg_sq": "expAvgSq"}


def run(kind, hyper):
    param = torch.nn.Parameter(torch.tensor(PARAM, dtype=torch.float32))
    make = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[kind]
    optimizer = make([param], **hyper)
    trajectory = []
    for grad in GRADS:
        param.grad = torch.tensor(grad, dtype=torch.float32)
        optimizer.step()
        trajectory.append(param.detach().tolist())
    state = {
        STATE_NAMES[k]: v.tolist()
        for k, v in optimizer.state[param].items()
        if k in STATE_NAMES and v is not None
    }
    return trajectory, state


def main():
    cases = []
    for name, kind, hyper in CASES:
        trajectory, state = run(kind, hyper)
        cases.append({"name": name, "kind": kind, "hyper": {k: list(v) if isinstance(v, tuple) else v for k, v in hyper.items()}, "trajectory": trajectory, "state": state})
    fixture = {"generator": "gen_optim.py", "torch": torch.__version__, "param": PARAM, "grads": GRADS, "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim_torch.json")
    with open(path, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
