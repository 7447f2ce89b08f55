"""The reference protocol (wsolevaluation's box and mask evaluation) in
Python + OpenCV + numpy, written from docs/evaluation.md, to time it
and to compare its numbers with wsol-run's on the same maps.

Reads from stdin: one JSON line {count, width, height, step, deltas, boxes},
then count x height x width float32 maps, then count x height x width uint8
masks. Prints one JSON line: per-delta MaxBoxAcc and its first best τ, PxAP,
and the seconds spent computing boxes and PxAP (reading excluded).
"""
import json
import sys
import time

import cv2
import numpy as np


def boxes_from_scoremap(q, level, width, height):
    """Every contour's box at one threshold (multi-contour mode)."""
    _, binary = cv2.threshold(q, level, 255, cv2.THRESH_BINARY)
    contours = cv2.findContours(binary, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)[0]
    if len(contours) == 0:
        return np.zeros((1, 4), dtype=np.int64)
    out = np.empty((len(contours), 4), dtype=np.int64)
    for k, contour in enumerate(contours):
        x, y, w, h = cv2.boundingRect(contour)
        out[k] = (x, y, min(x + w, width - 1), min(y + h, height - 1))
    return out


def best_iou(boxes, gt):
    """Max IoU over boxes x gt, inclusive pixel convention."""
    a = boxes[:, None, :]
    b = gt[None, :, :]
    iw = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]) + 1
    ih = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]) + 1
    inter = np.where((iw > 0) & (ih > 0), iw * ih, 0)
    area_a = (a[..., 2] - a[..., 0] + 1) * (a[..., 3] - a[..., 1] + 1)
    area_b = (b[..., 2] - b[..., 0] + 1) * (b[..., 3] - b[..., 1] + 1)
    return (inter / (area_a + area_b - inter)).max()


def read_exactly(stream, n):
    chunks = []
    while n > 0:
        chunk = stream.read(n)
        if not chunk:
            raise EOFError('input ended early')
        chunks.append(chunk)
        n -= len(chunk)
    return b''.join(chunks)


def main():
    stdin = sys.stdin.buffer
    header = json.loads(stdin.readline())
    count, width, height = header['count'], header['width'], header['height']
    thresholds = list(np.arange(0, 1, header['step']))
    edges = np.append(thresholds, [1.0, 2.0, 3.0])
    deltas = header['deltas']
    gts = [np.array(b, dtype=np.int64) for b in header['boxes']]
    correct = {d: np.zeros(len(thresholds)) for d in deltas}
    positives = np.zeros(len(edges) - 1)
    negatives = np.zeros(len(edges) - 1)
    maps = []
    for _ in range(count):
        maps.append(np.frombuffer(read_exactly(stdin, width * height * 4), dtype=np.float32).reshape(height, width))
    masks = [np.frombuffer(read_exactly(stdin, width * height), dtype=np.uint8).reshape(height, width) for _ in range(count)]

    box_seconds = 0.0
    for i, scoremap in enumerate(maps):
        start = time.perf_counter()
        q = (scoremap * 255).astype(np.uint8)
        top = np.max(q)
        ious = np.array([best_iou(boxes_from_scoremap(q, int(t * top), width, height), gts[i]) for t in thresholds])
        for d in deltas:
            correct[d][ious >= d / 100] += 1
        box_seconds += time.perf_counter() - start

    pixel_seconds = 0.0
    for scoremap, mask in zip(maps, masks):
        start = time.perf_counter()
        positives += np.histogram(scoremap[mask == 1], bins=edges)[0].astype(float)
        negatives += np.histogram(scoremap[mask == 0], bins=edges)[0].astype(float)
        pixel_seconds += time.perf_counter() - start
    start = time.perf_counter()
    tp = positives[::-1].cumsum()
    fp = negatives[::-1].cumsum()
    fn = positives.sum() - tp
    with np.errstate(invalid='ignore', divide='ignore'):
        precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    keep = (tp + fp) != 0
    pxap = float((precision[1:] * np.diff(recall))[keep[1:]].sum() * 100)
    pixel_seconds += time.perf_counter() - start

    result = {'opencv': cv2.__version__, 'numpy': np.__version__, 'pxap': pxap, 'boxSeconds': box_seconds, 'pixelSeconds': pixel_seconds, 'maxBoxAcc': {}}
    for d in deltas:
        acc = correct[d] * 100.0 / count
        result['maxBoxAcc'][str(d)] = {'value': float(acc.max()), 'tau': float(thresholds[int(acc.argmax())])}
    print(json.dumps(result))


main()
