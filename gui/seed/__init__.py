"""The gradient vector v: the seed form (one section per output), its undo command, and the
chart of the input gradients (leaf .grad) that v produces."""
