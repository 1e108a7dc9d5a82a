# SPDX-License-Identifier: GPL-3.0-or-later
"""The bundled reference models: one recipe, used by tools/gen-reference-models (to write
data/models/) and by the tests (to rebuild the float model a bundled file came from).

Every model: seeded kaiming-like weights; BatchNorm running statistics calibrated, in
execution order, on seeded smooth synthetic CIFAR-sized images (mu, var per channel of
the BN's input; gamma = 1 + 0.1*N(0,1), beta = 0.1*N(0,1)); the head bias centred so the
predicted classes spread; then exported with max-abs calibration on the same images.
"""

from collections import OrderedDict

import torch

from . import export, models

# name -> (architecture, options, seed)
REFERENCE_MODELS = OrderedDict([
    ("blendnet20", ("blendnet20", {}, 20)),
    ("blendnet20-thermo", ("blendnet20", {"thermometer": True}, 21)),
    ("resnet20-bnn", ("resnet20-bnn", {}, 22)),
    ("resnet20-int8", ("resnet20-int8", {}, 23)),
    ("blendmixer", ("blendmixer", {}, 24)),
])

CALIB_SEED = 1000       # BN statistics and activation-scale calibration images
CALIB_COUNT = 256
SAMPLE_SEED = 2000      # data/models/sample-inputs.npy
SAMPLE_COUNT = 16
HELDOUT_SEED = 3000     # evidence (sign balance, class spread)


def float_model(name):
    """The float GraphNet a bundled model is exported from (deterministic)."""
    arch, opts, seed = REFERENCE_MODELS[name]
    torch.manual_seed(seed)
    net = models.build(arch, name=name, **opts)
    models.init_weights(net, seed)
    cal = calibration_images(net)
    models.calibrate_bn(net, cal, seed)
    return net


def calibration_images(net):
    C, H, W = net.input_shape
    return models.synthetic_images(CALIB_COUNT, CALIB_SEED, channels=C, size=H)


def make(name, path=None):
    """Build, calibrate and export one reference model. Returns (net, ExportResult)."""
    arch, opts, seed = REFERENCE_MODELS[name]
    net = float_model(name)
    res = export.export(
        net, calibration_images(net), path,
        # The untrained reference files stay byte for byte what they were
        # (gen-reference-models --check): their logits mean nothing anyway.
        record_logit_scale=False,
        provenance=OrderedDict([
            ("generator", "tools/gen-reference-models"),
            ("seed", str(seed)),
            ("weights", "seeded kaiming-like, untrained"),
            ("batchnorm", f"statistics calibrated on {CALIB_COUNT} seeded synthetic images "
                          f"(seed {CALIB_SEED}), gamma 1 + 0.1 N(0,1), beta 0.1 N(0,1)"),
        ]))
    return net, res


def sample_inputs():
    return models.synthetic_images(SAMPLE_COUNT, SAMPLE_SEED)


def heldout_inputs(n=128):
    return models.synthetic_images(n, HELDOUT_SEED)
