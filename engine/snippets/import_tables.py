"""What a snippet may import, and the libraries outside the computation Gradflow reads.

Tables only, and lookups in them that refuse nothing: the torch and Python modules and objects
a snippet may import (with their older spellings and torch.nn's submodules), and the outside
libraries (numpy, pandas, os, torch.optim...) that may be imported but whose use is refused
with the reason given here. The safety pass (safety.py) reads imports with them and raises the
refusals; it re-exports these names.
"""

from __future__ import annotations

import ast
import datetime
import math
import pprint
import random
import sys
import time

import torch

from engine.snippets.func_names import FUNC_MODULES, FUNC_OBJECTS

# The torch modules a snippet may import, by dotted name.
TORCH_MODULES = ("torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.autograd",
                 "torch.autograd.functional", "torch.autograd.variable", "torch.functional",
                 "torch.autograd.anomaly_mode", "torch.autograd.grad_mode",
                 "math", "itertools", "time", "random", "datetime", "pdb", "warnings", "copy",
                 "gc", "collections", "torch.distributions", "timeit", "torch.cuda", "pprint",
                 "traceback", "dataclasses",
                 "torch.utils.checkpoint", "torch.backends", "torch.backends.cudnn",
                 *FUNC_MODULES)
# Python's modules whose public names a snippet may import by name: `from math import pi`
PYTHON_MODULES = {"math": math, "time": time, "random": random, "datetime": datetime,
                  "pprint": pprint}
# Objects a snippet may import by name: `from torch.autograd import Variable`.
IMPORTABLE_OBJECTS = ("torch.autograd.Variable", "torch.autograd.grad",
                      "torch.autograd.detect_anomaly", "torch.autograd.set_detect_anomaly",
                      "torch.autograd.backward", "torch.no_grad", "torch.enable_grad",
                      "torch.set_grad_enabled", "torch.inference_mode", "itertools.product",
                      "dataclasses.dataclass",
                      "itertools.count", "torch.cuda.is_available", "torch.cuda.device_count",
                      "torch.cuda.manual_seed", "torch.cuda.manual_seed_all",
                      "copy.deepcopy", "copy.copy", "collections.OrderedDict",
                      "collections.namedtuple", "types.SimpleNamespace",
                      "timeit.default_timer",
                      "torch.distributions.Normal", "torch.distributions.normal.Normal",
                      # `from torch.distributions import Categorical`: each of torch's own
                      *(f"torch.distributions.{n}" for n in dir(torch.distributions)
                        if isinstance(getattr(torch.distributions, n), type) and issubclass(
                            getattr(torch.distributions, n), torch.distributions.Distribution)),
                      "torch.autograd.Function", "torch.autograd.function.Function",
                      "torch.autograd.function.once_differentiable",
                      "torch.nn.utils.clip_grad_norm_", "torch.nn.utils.clip_grad_value_",
                      "torch.nn.utils.parameters_to_vector",
                      *(f"torch.autograd.functional.{name}" for name in (
                          "jacobian", "hessian", "vjp", "jvp", "vhp", "hvp")),
                      *FUNC_OBJECTS)
# Older spellings of an importable object: `from torch.autograd.variable import Variable`
OLD_PATHS = {"torch.autograd.variable.Variable": "torch.autograd.Variable",
              "torch.autograd.gradcheck.gradcheck": "torch.autograd.gradcheck",
              "torch.autograd.gradcheck.gradgradcheck": "torch.autograd.gradgradcheck",
              "torch.autograd.anomaly_mode.detect_anomaly": "torch.autograd.detect_anomaly",
              "torch.autograd.anomaly_mode.set_detect_anomaly":
                  "torch.autograd.set_detect_anomaly",
              **{f"torch.autograd.grad_mode.{name}": f"torch.{name}" for name in (
                  "no_grad", "enable_grad", "set_grad_enabled", "inference_mode")},
              "timeit.default_timer": "time.perf_counter"}  # what timeit's clock is
# Modules torch.nn gathers its classes from: `from torch.nn.modules import loss` binds a module
# whose every public name torch.nn itself has, so it reads as torch.nn.
# files of torch whose public names their package exports: torch.nn.modules' (torch.nn),
# torch.utils.data's dataset and dataloader (torch.utils.data)
SUBMODULES = {f"torch.nn.modules{tail}": "torch.nn" for tail in (
    "", ".loss", ".linear", ".activation", ".container", ".module", ".conv", ".pooling",
    ".dropout", ".batchnorm", ".normalization", ".flatten", ".sparse", ".padding",
    ".distance")} | {
    "torch.nn.parameter": "torch.nn", "torch.utils.data.dataset": "torch.utils.data",
    "torch.utils.data.dataloader": "torch.utils.data"}
# torch.functional's names: the functions torch itself exports under the same name
_TORCH_FUNCTIONAL = ("atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes",
                     "broadcast_tensors", "cartesian_prod", "block_diag", "cdist",
                     "chain_matmul", "einsum", "istft", "lu", "norm", "meshgrid", "pca_lowrank",
                     "split", "stft", "svd_lowrank", "tensordot", "unique",
                     "unique_consecutive", "unravel_index")


def canonical_path(path: str) -> str:
    """`torch.nn.parameter.Parameter` or `torch.nn.modules.loss.MSELoss` as torch.nn names
    the same class (torch.nn.Parameter, torch.nn.MSELoss); `torch.torch.FloatTensor` as
    torch.FloatTensor (torch is an attribute of itself); `torch.functional.norm` as torch.norm;
    any other path as it is."""
    while path.startswith("torch.torch.") or path == "torch.torch":
        path = path.removeprefix("torch.")
    if path in OLD_PATHS:  # `variable.Variable` of `from torch.autograd import variable`
        return OLD_PATHS[path]
    if path.startswith("torch.functional.") and path.count(".") == 2 and \
            path.rpartition(".")[2] in _TORCH_FUNCTIONAL:
        return "torch." + path.rpartition(".")[2]  # where torch.einsum, torch.norm... live
    for module, owner in SUBMODULES.items():
        if path.startswith(module + ".") and "." not in path.removeprefix(module + "."):
            return f"{owner}.{path.removeprefix(module + '.')}"
    return path


ACCEPTED_IMPORTS = ("torch, torch.nn, torch.nn.functional, torch.nn.init (and their functions "
                    "by name), "
                    "torch.functional, torch.autograd (Variable, grad, backward, Function, "
                    "once_differentiable, detect_anomaly, set_detect_anomaly), "
                    "torch.autograd.functional "
                    "(jacobian, hessian, vjp, jvp, vhp, hvp), torch.func and functorch (grad, "
                    "grad_and_value, jacrev, jacfwd, vjp, jvp, hessian, vmap, functional_call), "
                    "torch.autograd.forward_ad, torch.autograd.gradcheck, "
                    "torch.autograd.anomaly_mode, torch.autograd.grad_mode (no_grad, "
                    "enable_grad, set_grad_enabled, inference_mode), math, random, time (its "
                    "clocks), timeit "
                    "(default_timer), datetime (now, strftime), pprint (as print), pdb "
                    "(set_trace), warnings "
                    "(filters), gc (collect), itertools (product, count), copy (deepcopy), "
                    "collections (OrderedDict, namedtuple), traceback (print_exc, as a print), "
                    "torch.cuda (is_available: False, seeding), torch.backends.cudnn (its "
                    "settings, which change nothing on the CPU), "
                    "torch.utils.checkpoint (checkpoint with use_reentrant=False) and "
                    "torch.distributions (its distributions)")
# Libraries a learner's script imports alongside torch. Importing one is harmless and reads as
# nothing; using one is refused there, with why it is outside the computation Gradflow reads.
# functions of the outside libraries that read a file (refused as such where they are used)
FILE_READERS = ("numpy.loadtxt", "numpy.genfromtxt", "numpy.load", "numpy.fromfile",
                "pandas.read_csv", "pandas.read_excel", "pandas.read_json")
OUTSIDE_LIBRARIES = {
    "torch.optim": "an optimizer (torch.optim) updates the weights from their .grad: that is "
                   "a training step, outside the computation Gradflow reads; remove the "
                   "optimizer lines: Gradflow shows every leaf's .grad after each backward call",
    "torch.utils.data": "data sets and data loaders (torch.utils.data) other than "
                        "TensorDataset, DataLoader, random_split and Subset over tensors are "
                        "outside the computation Gradflow reads; make the tensors with "
                        "torch.tensor(...) or torch.randn(...) and a TensorDataset",
    "torch.nn.parallel": "running a model over several devices (torch.nn.parallel) is "
                         "outside the computation Gradflow reads, which runs on the CPU; "
                         "call the model itself",
    "torch.save": "saving to a file is outside the computation Gradflow reads; remove it "
                  "(Gradflow saves the graph itself)",
    "torch.load": "reading a file is outside the computation Gradflow reads; make the "
                  "tensors with torch.tensor(...)",
    "torchvision": "data sets, transforms and trained models (torchvision) are outside the "
                   "computation Gradflow reads; make the tensors with torch.tensor(...)",
    "pandas": "data frames (pandas) are outside the computation Gradflow reads; make the "
              "tensors with torch.tensor(...)",
    **{reader: "reading a file is outside the computation Gradflow reads; make the tensors "
               "with torch.tensor(...) (a few rows of the file written out)"
       for reader in FILE_READERS},
    "numpy": "numpy is read through calls of its functions (np.exp(a)) and arrays' methods; "
             "this use of it is outside the computation Gradflow reads; write it as such a "
             "call or with torch",
    "functools": "functools (reduce, caches, wraps) works on functions instead of computing, "
                 "outside the computation Gradflow reads (of it, partial is read); call the "
                 "function with all its arguments written out",
    "typing": "type hints (typing) are read as nothing, as Python runs them: Gradflow reads the "
              "code without its annotations; this use of typing is outside the computation "
              "Gradflow reads; remove it",
    "collections.abc": "abstract types (collections.abc) are type hints, read as nothing, as "
                       "Python runs them: Gradflow reads the code without its annotations; "
                       "this use of collections.abc is outside the computation Gradflow "
                       "reads; remove it",
    "pickle": "saving and loading objects in files (pickle) is outside the computation "
              "Gradflow reads; remove it",
    "pickletools": "pickle's tools (pickletools) work on saved files, outside the "
                   "computation Gradflow reads; remove it",
    "google.colab": "the Colab notebook's own module (google.colab: its drive and files) is "
                    "outside the computation Gradflow reads; remove it",
    "multiprocessing": "processes (multiprocessing) are outside the computation Gradflow "
                       "reads; compute in the script itself",
    "types": "changing objects' methods at run time (types.MethodType) rewrites the program "
             "instead of computing, outside the computation Gradflow reads; call the function "
             "with the object as its first argument",
    "unittest": "a test runner (unittest) runs the test methods it finds, outside the "
                "computation Gradflow reads; call the code under test at the top level",
    "urllib": "the network (urllib) is outside the computation Gradflow reads; make the "
              "tensors with torch.tensor(...) (an editor's stray import of it is harmless)",
    "collections.defaultdict": "a defaultdict is not read; write a plain dict and give a key "
                               "its first value before adding to it (d[k] = [] before "
                               "d[k].append(v))",
    "statistics": "statistics computes on Python lists, outside the computation Gradflow "
                  "reads; compute it with torch (x.mean(), x.median())",
    "pathlib": "paths and files (pathlib) are outside the computation Gradflow reads; remove "
               "the line",
    "argparse": "of argparse, Gradflow reads ArgumentParser() with add_argument, "
                "set_defaults and parse_args (the script run with no command-line arguments: "
                "each option's default); for anything else write the values out (epochs = 10)",
    "os": "the operating system (os: files, folders, the environment) is outside the "
          "computation Gradflow reads; remove the line",
    "sys": "the interpreter itself (sys: arguments, paths, exit) is outside the computation "
           "Gradflow reads; remove the line",
    "io": "files in memory and streams (io) are outside the computation Gradflow reads; "
          "write the numbers out as tensors",
    "matplotlib": "plots (matplotlib) are outside the computation Gradflow reads; remove the "
                  "plot lines: Gradflow draws the values and the gradients itself",
    "sklearn": "data sets, scalers and models of scikit-learn (sklearn) are outside the "
               "computation Gradflow reads; make the tensors with torch.tensor(...) (a few "
               "rows written out) or torch.randn(...)",
    "scipy": "scipy's routines are outside the computation Gradflow reads; write the "
             "computation with torch",
    "seaborn": "plots (seaborn) are outside the computation Gradflow reads; remove the plot "
               "lines: Gradflow draws the values and the gradients itself",
    "torch.utils.tensorboard": "logging to TensorBoard writes files, outside the computation "
                               "Gradflow reads; remove the writer lines: Gradflow shows "
                               "every value and gradient itself",
    "tqdm": "progress bars (tqdm) show progress on the console, outside the computation "
            "Gradflow reads; a bar is read as the loop it wraps (tqdm(loader), trange(n)) and "
            "its methods as nothing",
    "mpl_toolkits": "plots (matplotlib's 3-D axes) are outside the computation Gradflow reads; "
                    "remove the plot lines: Gradflow draws the values and the gradients itself",
}


def missing_module(node: ast.Import | ast.ImportFrom) -> str | None:
    """The top-level module of an import this Python does not have (`import matplotlib`
    where it is not installed), which the script's import raises ModuleNotFoundError for.
    Only a library already named by OUTSIDE_LIBRARIES is looked up, and looking up runs
    none of it."""
    import importlib.util

    names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
        [node.module or ""]
    for name in names:
        top = name.split(".")[0]
        # plots and progress bars read as nothing whether or not matplotlib or tqdm is
        # installed (plots.py, progress_bars.py)
        if top not in ("torch", "math", "matplotlib", "mpl_toolkits", "tqdm") and \
                (top in OUTSIDE_LIBRARIES or third_party(top)) and \
                importlib.util.find_spec(top) is None:
            return top
        if name == "google.colab" or name.startswith("google.colab."):  # only in Colab: an
            if importlib.util.find_spec("google") is None:  # import in a try tells where
                return "google"  # the notebook runs (its own namespace package, no code)
    return None


def torch_function(module: str, name: str) -> bool:
    """`from torch import tensor, zeros`: a public name of torch (or torch.nn, torch.nn.functional,
    torch.nn.init) is read exactly as torch.<name> would be, so it reaches nothing
    torch.<name> does not."""
    owner = {"torch": torch, "torch.nn": torch.nn, "torch.nn.functional": torch.nn.functional,
             "torch.nn.init": torch.nn.init}
    if module not in owner or name.startswith("_"):
        return False
    return hasattr(owner[module], name)


def outside_library(dotted: str) -> str | None:
    """Why a name from a library outside the computation is refused where it is used, or
    None when `dotted` (`numpy.exp`, `torch.optim.SGD`) is not from one."""
    for library, why in OUTSIDE_LIBRARIES.items():
        if dotted == library or dotted.startswith(library + "."):
            return why
    top = dotted.split(".")[0]
    if third_party(top):
        return (f"the library {top} is outside the computation Gradflow reads (an import of "
                "it left unused is harmless); remove the lines that use it")
    return None


def third_party(top: str) -> bool:
    """A library of its own (PIL, pandas, cv2), neither torch's nor Python's: importing it
    is harmless, using it is refused."""
    return top.isidentifier() and not top.startswith("_") and top not in \
        sys.stdlib_module_names and top not in _READ_TOPS


_READ_TOPS = frozenset(m.split(".")[0] for m in TORCH_MODULES)  # torch, math, functorch...


FILE_FUNCTIONS = ("torch.save", "torch.load", *FILE_READERS)
