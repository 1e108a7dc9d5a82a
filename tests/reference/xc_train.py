# SPDX-License-Identifier: GPL-3.0-or-later
"""A small, seeded, learnable synthetic image task and a short deterministic training loop,
for the float-vs-integer top-1 agreement test.

Why train at all: an *untrained* deep binary network is chaotic. A sign flip in one input
bit changes a K-tap binary dot product by 2, so a relative error e in a sign layer's
input becomes roughly 2*sqrt(e) after the next binary conv; 8-bit quantisation noise
(~1 %) is amplified to full decorrelation within a few Blend modules and the top-1 class
of a random BNN is then unrelated to the float model's, however exact the quantisation
(tests/reference/test_crosscheck.py reports this figure). A trained network has margins:
the class survives the same noise, which is what deployment needs and what this test
measures.
"""

import numpy as np
import torch
import torch.nn.functional as F


def task_images(n, seed, size=16, channels=3, classes=10, proto_seed=1234):
    """(uint8 images (n, channels, size, size), labels (n,)): each class is a smooth random
    colour pattern (seeded by proto_seed), shifted by up to 2 pixels, with a random
    brightness offset, a random smooth distractor and pixel noise added."""
    rs = np.random.RandomState(proto_seed)
    low = rs.normal(0, 1, size=(classes, channels, 4, 4))
    protos = F.interpolate(torch.from_numpy(low), size=(size, size), mode="bilinear",
                           align_corners=False).numpy()
    rs = np.random.RandomState(seed)
    y = rs.randint(0, classes, size=n)
    imgs = np.empty((n, channels, size, size), np.uint8)
    for i in range(n):
        p = np.roll(protos[y[i]], (rs.randint(-2, 3), rs.randint(-2, 3)), axis=(1, 2))
        other = rs.normal(0, 1, size=(1, channels, 4, 4))
        o = F.interpolate(torch.from_numpy(other), size=(size, size), mode="bilinear",
                          align_corners=False).numpy()[0]
        img = (128 + rs.uniform(20, 50) * p + 25 * o
               + rs.normal(0, 8, size=(channels, size, size)) + rs.normal(0, 20))
        imgs[i] = np.clip(np.rint(img), 0, 255)
    return imgs, y


def train(net, steps=80, batch=64, lr=3e-3, seed=0, train_count=2048):
    """Adam on cross-entropy with straight-through sign gradients; BN statistics from
    training (eval mode afterwards)."""
    C, H, W = net.input_shape
    X, y = task_images(train_count, seed + 1, size=H, channels=C)
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    net.train()
    for _ in range(steps):
        idx = torch.randint(0, len(X), (batch,), generator=g).numpy()
        loss = F.cross_entropy(net(torch.from_numpy(X[idx])), torch.from_numpy(y[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    return net
