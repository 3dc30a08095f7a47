"""PyTorch on one CPU thread, driven by the benchmark app over stdin/stdout (one JSON object per line).

Requests and answers:
  {"cmd": "hello"}                                   -> {"torch": version}
  {"cmd": "matmul", "n": N, "reps": R, "warmup": W}  -> {"seconds": [...], "wrong": null | text}
  {"cmd": "train", "id": I, "workload": {...}}       -> {"ok": true}   (builds the model; workload as in workloads.ts)
  {"cmd": "run", "id": I, "steps": S}                -> {"seconds": s}
  {"cmd": "loss", "id": I}                           -> {"loss": value}
  {"cmd": "first_step", "workload": {...}}           -> {"seconds": s}  (build + one step, for start-up rows)
matmul inputs are the JavaScript side's seeded values (the same LCG); training data is synthetic
of the same shapes.
"""
import json
import sys
import time

import torch

torch.set_num_threads(1)


def seeded(n, seed):
    s = seed or 1
    out = torch.empty(n, dtype=torch.float32)
    values = []
    for _ in range(n):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        values.append(s / 2147483648 - 1)
    out[:] = torch.tensor(values, dtype=torch.float64)
    return out


def build(workload):
    layers = []
    for spec in workload["layers"]:
        kind = spec["kind"]
        if kind == "conv2d":
            layers.append(torch.nn.Conv2d(spec["in"], spec["out"], spec["kernel"], stride=spec["stride"]))
        elif kind == "linear":
            layers.append(torch.nn.Linear(spec["in"], spec["out"]))
        elif kind == "relu":
            layers.append(torch.nn.ReLU())
        elif kind == "maxpool2d":
            layers.append(torch.nn.MaxPool2d(spec["kernel"]))
        else:
            layers.append(torch.nn.Flatten())
    model = torch.nn.Sequential(*layers)
    opt = workload["optimizer"]
    optimizer = torch.optim.SGD(model.parameters(), lr=opt["lr"], momentum=opt["momentum"])
    b = workload["batch"]
    c, h, w = workload["input"]
    torch.manual_seed(0)
    x = torch.rand(b, c, h, w) * 2 - 1
    labels = torch.tensor([(i * 7 + 3) % workload["classes"] for i in range(b)])
    return {"model": model, "optimizer": optimizer, "x": x, "labels": labels}


def step(session):
    session["optimizer"].zero_grad(set_to_none=True)
    loss = torch.nn.functional.cross_entropy(session["model"](session["x"]), session["labels"])
    loss.backward()
    session["optimizer"].step()


def matmul(n, reps, warmup):
    a = seeded(n * n, 1).reshape(n, n)
    b = seeded(n * n, 2).reshape(n, n)
    seconds = []
    for i in range(warmup + reps):
        start = time.perf_counter()
        c = a @ b
        if i >= warmup:
            seconds.append(time.perf_counter() - start)
    exact = a.double() @ b.double()
    bound = (a.double().abs() @ b.double().abs()) * 2e-6 + 1e-6
    bad = ((c.double() - exact).abs() > bound).nonzero()
    wrong = None if len(bad) == 0 else "c[%d, %d] = %g, expected %g" % (bad[0][0], bad[0][1], c[bad[0][0], bad[0][1]], exact[bad[0][0], bad[0][1]])
    return {"seconds": seconds, "wrong": wrong}


def main():
    sessions = {}
    for line in sys.stdin:
        request = json.loads(line)
        cmd = request["cmd"]
        try:
            if cmd == "hello":
                answer = {"torch": torch.__version__, "threads": torch.get_num_threads()}
            elif cmd == "matmul":
                answer = matmul(request["n"], request["reps"], request["warmup"])
            elif cmd == "train":
                sessions[request["id"]] = build(request["workload"])
                answer = {"ok": True}
            elif cmd == "run":
                session = sessions[request["id"]]
                start = time.perf_counter()
                for _ in range(request["steps"]):
                    step(session)
                answer = {"seconds": time.perf_counter() - start}
            elif cmd == "loss":
                session = sessions[request["id"]]
                with torch.no_grad():
                    answer = {"loss": torch.nn.functional.cross_entropy(session["model"](session["x"]), session["labels"]).item()}
            elif cmd == "first_step":
                start = time.perf_counter()
                step(build(request["workload"]))
                answer = {"seconds": time.perf_counter() - start}
            else:
                answer = {"error": "unknown command " + cmd}
        except Exception as error:  # the app reports it on the row
            answer = {"error": repr(error)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
