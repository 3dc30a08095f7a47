"""Golden fixture for gru from PyTorch: torch.nn.GRU (one layer, batch_first, bias, h0 = 0),
unidirectional and bidirectional: weights, input, output, final hidden state, and the
gradients of sum(output * r) for a random r.

Run by hand: /usr/bin/python3 gen_gru.py  (writes gru_torch.json beside it).
Inputs are float32 values; the maths runs in float64 so the fixture is the exact answer for them.
"""
import json
import os

import torch

SHAPE = (2, 5, 3, 4)  # (B, T, I, H): odd sizes


def f32(t):
    return t.float().double()


def case(bidirectional, seed):
    torch.manual_seed(seed)
    batch, seq_len, input_size, hidden_size = SHAPE
    gru = torch.nn.GRU(input_size, hidden_size, batch_first=True, bidirectional=bidirectional).double()
    with torch.no_grad():
        for p in gru.parameters():
            p.copy_(f32(p))
    x = f32(torch.randn(batch, seq_len, input_size)).requires_grad_()
    output, hidden = gru(x)
    r = f32(torch.randn(output.shape))
    (output * r).sum().backward()
    params = dict(gru.named_parameters())
    return {
        "bidirectional": bidirectional,
        "x": x.detach().flatten().tolist(),
        "weights": {name: p.detach().flatten().tolist() for name, p in params.items()},
        "output": output.detach().flatten().tolist(),
        "hidden": hidden.detach().flatten().tolist(),
        "upstream": r.flatten().tolist(),
        "gradInput": x.grad.flatten().tolist(),
        "grads": {name: p.grad.flatten().tolist() for name, p in params.items()},
    }


def main():
    fixture = {
        "generator": "gen_gru.py",
        "torch": torch.__version__,
        "shape": list(SHAPE),
        "cases": [case(False, 11), case(True, 12)],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gru_torch.json")
    with open(path, "w") as f:
        json.dump(fixture, f)
        f.write("\n")


if __name__ == "__main__":
    main()
