"""The names of torch's function transforms (torch.func, the older functorch), forward-mode
AD (torch.autograd.forward_ad) and gradcheck that a snippet may import and use; what each
is read as lives in func_transforms.py, forward_ad.py and gradcheck_call.py."""

from __future__ import annotations

# torch.func's transforms, by the name a snippet calls them with
TRANSFORMS = ("grad", "grad_and_value", "jacrev", "jacfwd", "vjp", "jvp", "hessian", "vmap")
# functorch is torch.func's older home; its names mean the same
TRANSFORM_MODULES = ("torch.func", "functorch")
FORWARD_AD = "torch.autograd.forward_ad"
FORWARD_AD_NAMES = ("dual_level", "make_dual", "unpack_dual")
CHECKS = ("torch.autograd.gradcheck", "torch.autograd.gradgradcheck")

FUNC_MODULES = (*TRANSFORM_MODULES, FORWARD_AD)
# torch.func's other names a snippet may use: the model applied with other tensors
OTHERS = ("functional_call",)
FUNC_OBJECTS = (*(f"{m}.{n}" for m in TRANSFORM_MODULES for n in (*TRANSFORMS, *OTHERS)),
                *(f"{FORWARD_AD}.{n}" for n in FORWARD_AD_NAMES), *CHECKS, "torch.vmap",
                "functorch.make_functional", "torch.utils.checkpoint.checkpoint",
                "torch.utils.checkpoint.checkpoint_sequential")


def transform_name(path: str) -> str | None:
    """'jacrev' for torch.func.jacrev or functorch.jacrev ('vmap' for torch.vmap, torch's
    own name for torch.func.vmap), else None."""
    if path == "torch.vmap":
        return "vmap"
    module, _, name = path.rpartition(".")
    return name if module in TRANSFORM_MODULES and name in TRANSFORMS else None
