# SPDX-License-Identifier: MIT
"""tinysense's training and export toolkit (see models/train/README.md)."""
