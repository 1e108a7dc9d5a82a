#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# qemu-aarch64-agent.sh: the board's side of the remote tests: runs the aarch64 build's
# blendscope-cli ($BS_AARCH64_CLI) under qemu-aarch64, as fake-ssh.sh's BS_AGENT_CLI.
exec qemu-aarch64 "${BS_AARCH64_CLI:?BS_AARCH64_CLI: the aarch64 blendscope-cli}" "$@"
