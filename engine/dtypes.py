"""The dtypes a document's tensors may have, by the names torch gives them (`torch.float16`
is "float16"), and torch's other spellings of each (`torch.half`, `x.int()`...).

Metadata only — no torch import at module level, so the op registry (engine/ops.py) can
list them before torch is loaded; `torch_dtype` resolves a name when a tensor is made.
"""

from __future__ import annotations

from typing import Any

# In the order the inspector offers them: the floats first (float32 is torch's default).
DTYPES = ("float32", "float64", "float16", "bfloat16",
          "int64", "int32", "int16", "int8", "uint8", "bool")
# The ones a leaf may require grad in (torch: "Only Tensors of floating point and complex
# dtype can require gradients").
FLOAT_DTYPES = ("float32", "float64", "float16", "bfloat16")

# torch.<spelling> → the dtype's name (torch.float is torch.float32, torch.int is int32)
TORCH_SPELLINGS = {
    **{name: name for name in DTYPES},
    "float": "float32", "double": "float64", "half": "float16",
    "long": "int64", "int": "int32", "short": "int16",
}

# The tolerance (relative to 1 + the largest magnitude) within which two computations of
# one gradient in a dtype agree when they add the same terms in another order: ~100 units in
# the last place for float32, as it always was; float16 and bfloat16 keep 11 and 8 bits.
_TOLERANCES = {"float64": 1e-10, "float32": 1e-5, "float16": 1e-2, "bfloat16": 8e-2}


def torch_dtype(name: str) -> Any:
    """The torch.dtype of a name of DTYPES (KeyError for any other name)."""
    if name not in DTYPES:
        raise KeyError(name)
    import torch  # deferred: see the module docstring

    return getattr(torch, name)


def dtype_tolerance(dtype: Any) -> float:
    """How far apart two orders of the same float sums may land in `dtype` (a torch.dtype);
    the float32 tolerance for anything else."""
    return _TOLERANCES.get(str(dtype).removeprefix("torch."), _TOLERANCES["float32"])
