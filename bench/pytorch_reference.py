"""PyTorch CPU training throughput of the reference model (docs/backends.md), for comparison.

Prints one JSON line: {"torch": version, "threads": n, "nchw": img/s, "channels_last": img/s, ...}.
Usage: python3 bench/pytorch_reference.py [--threads 2] [--steps 20] [--batch 32]
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn


def reference_model():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 10),
    )


def throughput(channels_last, steps, batch, size):
    torch.manual_seed(0)
    model = reference_model()
    x = torch.rand(batch, 3, size, size)
    y = torch.randint(0, 10, (batch,))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for i in range(steps + 3):
        t = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        if i >= 3:
            times.append(time.perf_counter() - t)
    return batch / statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--size", type=int, default=64)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    out = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "nchw": throughput(False, a.steps, a.batch, a.size),
        "channels_last": throughput(True, a.steps, a.batch, a.size),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
