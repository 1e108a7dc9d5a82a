# SPDX-License-Identifier: GPL-3.0-or-later
"""blendtorch: the PyTorch side of blendscope.

bsm      -- reader and writer of .bsm model files (docs/model-format.md)
intref   -- the integer-semantics oracle: runs a .bsm graph with PyTorch ops, exactly
models   -- float PyTorch models of the reference architectures (DESIGN.md section 4)
export   -- float model + calibration images -> quantised integer .bsm
predict  -- a float checkpoint's predicted classes (blendscope-cli eval --checkpoint)
"""
