"""PyTorch training throughput on a CUDA GPU, the comparison for bench/webgpu-speed.ts.

Two models, trained as the webgpu benchmark trains them, with the loss read
back every step (as wsol-run's training loop does):
  reference  conv32-pool-conv64-pool-conv128-GAP-dense10, 64x64x3, batch 32, Adam
  resnet50   torchvision resnet50 (random weights, 1000 classes), 128 px, batch 16, SGD momentum
Prints one JSON line: {"torch", "device", "reference": img/s, "resnet50": img/s,
"reference_channels_last", "resnet50_channels_last"} (median of --runs
timings of --steps steps each, after 3 warm-up steps).
Usage: python3 bench/pytorch_gpu_reference.py [--steps 20] [--runs 3] [--models reference,resnet50]
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn

from pytorch_reference import reference_model  # the same model as the CPU comparison (beside this file)


def throughput(name, channels_last, steps, runs, device, resnet_size=128, resnet_batch=16):
    torch.manual_seed(0)
    if name == 'reference':
        model, batch, size, classes = reference_model(), 32, 64, 10
    else:
        import torchvision
        model, batch, size, classes = torchvision.models.resnet50(weights=None), resnet_batch, resnet_size, 1000
    model = model.to(device)
    x = torch.rand(batch, 3, size, size, device=device)
    y = torch.randint(0, classes, (batch,), device=device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3) if name == 'reference' else torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()  # a read-back each step, as the wsol-run loop does

    for _ in range(3):
        step()
    rates = []
    for _ in range(runs):
        torch.cuda.synchronize()
        t = time.perf_counter()
        for _ in range(steps):
            step()
        torch.cuda.synchronize()
        rates.append(batch * steps / (time.perf_counter() - t))
    return statistics.median(rates)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--runs', type=int, default=3)
    p.add_argument('--models', default='reference,resnet50')
    p.add_argument('--resnet-size', type=int, default=128)
    p.add_argument('--resnet-batch', type=int, default=16)
    a = p.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit('no CUDA device visible to PyTorch')
    out = {'torch': torch.__version__, 'device': torch.cuda.get_device_name(0)}
    for name in a.models.split(','):
        out[name] = throughput(name, False, a.steps, a.runs, 'cuda', a.resnet_size, a.resnet_batch)
        out[f'{name}_channels_last'] = throughput(name, True, a.steps, a.runs, 'cuda', a.resnet_size, a.resnet_batch)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
