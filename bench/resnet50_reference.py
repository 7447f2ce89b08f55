"""PyTorch CPU speed of torchvision's ResNet-50, for bench/resnet50-speed.ts.

Training: SGD steps (loss + backward + update) at --train-size px, batch --batch; inference: forward passes
in eval mode under no_grad at --infer-size px. Prints one JSON line with images/s (median of --steps).
Usage: python3 bench/resnet50_reference.py [--threads 2] [--steps 5] [--batch 16] [--train-size 128] [--infer-size 224]
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torchvision


def median_rate(fn, steps, batch):
    fn()  # warm-up
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return batch / statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--steps', type=int, default=5)
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--train-size', type=int, default=128)
    p.add_argument('--infer-size', type=int, default=224)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = torchvision.models.resnet50(weights=None)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(a.batch, 3, a.train_size, a.train_size)
    y = torch.randint(0, 1000, (a.batch,))

    def train_step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    model.train()
    train = median_rate(train_step, a.steps, a.batch)
    model.eval()
    xi = torch.rand(a.batch, 3, a.infer_size, a.infer_size)

    def infer():
        with torch.no_grad():
            model(xi)

    infer_rate = median_rate(infer, a.steps, a.batch)
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'train': train, 'infer': infer_rate}))


if __name__ == '__main__':
    main()
