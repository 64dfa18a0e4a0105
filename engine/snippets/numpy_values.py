"""numpy as a snippet's plain data: the functions, methods and attributes the importer reads.

A learner's script often makes its data with numpy (`X = np.random.randn(4, 3)`), checks a
hand-derived gradient against autograd's (`np.allclose(dW, W.grad.numpy())`) or builds a
Jacobian in numpy loops. Those are pure computation on numbers: the importer holds real numpy
arrays and scalars and computes them by calling real numpy, but only the functions named in
the tables below (never a name the snippet gives, never eval). The random functions draw
from a `numpy.random.RandomState` of the reading's own, so after `np.random.seed(0)` the
numbers are the ones the script draws (np.random's functions are that class's methods).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

# np.<name>: what each reads as, by name (the snippet's spelling never reaches getattr)
FUNCTIONS: dict[str, Callable[..., Any]] = {
    # making arrays
    "array": np.array, "asarray": np.asarray, "zeros": np.zeros, "ones": np.ones,
    "eye": np.eye, "identity": np.identity, "arange": np.arange, "linspace": np.linspace,
    "full": np.full, "zeros_like": np.zeros_like, "ones_like": np.ones_like,
    "full_like": np.full_like, "copy": np.copy, "diag": np.diag, "logspace": np.logspace,
    "meshgrid": np.meshgrid, "tile": np.tile, "repeat": np.repeat, "tril": np.tril,
    "triu": np.triu,
    "split": np.split, "array_split": np.array_split,
    # whatever the memory held, which a script writes before it reads: read as zeros
    "empty": np.zeros, "empty_like": np.zeros_like,
    # elementwise
    "exp": np.exp, "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p,
    "expm1": np.expm1, "sin": np.sin, "cos": np.cos, "tan": np.tan, "tanh": np.tanh,
    "sinh": np.sinh, "cosh": np.cosh, "arctan": np.arctan, "sqrt": np.sqrt, "abs": np.abs,
    "absolute": np.absolute, "fabs": np.fabs, "sign": np.sign, "maximum": np.maximum,
    "minimum": np.minimum, "clip": np.clip, "where": np.where, "power": np.power,
    "square": np.square, "negative": np.negative, "floor": np.floor, "ceil": np.ceil,
    "round": np.round, "isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite,
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
    "logical_and": np.logical_and, "logical_or": np.logical_or,
    "logical_not": np.logical_not, "logical_xor": np.logical_xor, "arcsin": np.arcsin,
    "arccos": np.arccos, "arctan2": np.arctan2, "arcsinh": np.arcsinh, "hypot": np.hypot,
    "mod": np.mod, "remainder": np.remainder, "floor_divide": np.floor_divide,
    "true_divide": np.true_divide, "reciprocal": np.reciprocal, "cbrt": np.cbrt,
    "exp2": np.exp2, "float_power": np.float_power, "degrees": np.degrees,
    "radians": np.radians, "deg2rad": np.deg2rad, "rad2deg": np.rad2deg, "fmax": np.fmax,
    "fmin": np.fmin, "greater": np.greater, "less": np.less, "equal": np.equal,
    "not_equal": np.not_equal, "greater_equal": np.greater_equal,
    "less_equal": np.less_equal, "interp": np.interp, "polyval": np.polyval,
    # reductions
    "sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "amax": np.amax,
    "amin": np.amin, "argmax": np.argmax, "argmin": np.argmin, "std": np.std, "var": np.var,
    "prod": np.prod, "cumsum": np.cumsum, "all": np.all, "any": np.any, "median": np.median,
    "count_nonzero": np.count_nonzero, "trace": np.trace, "cumprod": np.cumprod,
    "corrcoef": np.corrcoef, "cov": np.cov, "diff": np.diff, "gradient": np.gradient,
    "ediff1d": np.ediff1d, "convolve": np.convolve, "bincount": np.bincount,
    "histogram": np.histogram, "digitize": np.digitize, "searchsorted": np.searchsorted,
    "nansum": np.nansum, "nanmean": np.nanmean, "nanmax": np.nanmax,
    "nanmin": np.nanmin, "nanargmax": np.nanargmax, "nanargmin": np.nanargmin,
    "nanstd": np.nanstd, "average": np.average, "percentile": np.percentile,
    "quantile": np.quantile, "ptp": np.ptp, "unique": np.unique, "nonzero": np.nonzero,
    "flatnonzero": np.flatnonzero, "argwhere": np.argwhere, "trapezoid": np.trapezoid,
    # shapes and products
    "dot": np.dot, "matmul": np.matmul, "outer": np.outer, "inner": np.inner,
    "einsum": np.einsum, "tensordot": np.tensordot,
    "transpose": np.transpose, "reshape": np.reshape, "squeeze": np.squeeze,
    "expand_dims": np.expand_dims, "ravel": np.ravel, "concatenate": np.concatenate,
    "stack": np.stack, "vstack": np.vstack, "hstack": np.hstack, "append": np.append,
    "sort": np.sort, "column_stack": np.column_stack, "dstack": np.dstack,
    "atleast_1d": np.atleast_1d, "atleast_2d": np.atleast_2d, "flip": np.flip,
    "roll": np.roll, "swapaxes": np.swapaxes, "moveaxis": np.moveaxis,
    "diagonal": np.diagonal, "kron": np.kron, "cross": np.cross,
    "argsort": np.argsort, "shape": np.shape, "ndim": np.ndim, "size": np.size,
    # comparing
    "allclose": np.allclose, "isclose": np.isclose, "array_equal": np.array_equal,
    # polynomials by their coefficients (a course's function to minimise)
    "polyfit": np.polyfit, "poly": np.poly,
    **{f"polynomial.polynomial.{name}": getattr(np.polynomial.polynomial, name)
       for name in ("polyfromroots", "polyval", "polyfit", "polyder", "polyadd", "polymul")},
}
LINALG: dict[str, Callable[..., Any]] = {
    "norm": np.linalg.norm, "inv": np.linalg.inv, "det": np.linalg.det,
    "solve": np.linalg.solve, "pinv": np.linalg.pinv, "matrix_rank": np.linalg.matrix_rank,
    "eigh": np.linalg.eigh, "eigvalsh": np.linalg.eigvalsh}
# np.random.<name>: RandomState's own methods, called on the reading's RandomState
RANDOM: dict[str, Callable[..., Any]] = {
    "seed": np.random.RandomState.seed, "rand": np.random.RandomState.rand,
    "randn": np.random.RandomState.randn, "normal": np.random.RandomState.normal,
    "uniform": np.random.RandomState.uniform, "randint": np.random.RandomState.randint,
    "choice": np.random.RandomState.choice, "permutation": np.random.RandomState.permutation,
    "shuffle": np.random.RandomState.shuffle, "random": np.random.RandomState.random_sample,
    "random_sample": np.random.RandomState.random_sample,
    "sample": np.random.RandomState.random_sample,  # numpy's alias of random_sample
    "standard_normal": np.random.RandomState.standard_normal,
    "multivariate_normal": np.random.RandomState.multivariate_normal,
    "binomial": np.random.RandomState.binomial, "poisson": np.random.RandomState.poisson,
    "exponential": np.random.RandomState.exponential,
    "beta": np.random.RandomState.beta, "gamma": np.random.RandomState.gamma,
}
# rng = np.random.default_rng(0): the methods of numpy's Generator a script draws with
GENERATOR_METHODS: dict[str, Callable[..., Any]] = {
    "normal": np.random.Generator.normal, "uniform": np.random.Generator.uniform,
    "random": np.random.Generator.random, "integers": np.random.Generator.integers,
    "choice": np.random.Generator.choice, "permutation": np.random.Generator.permutation,
    "standard_normal": np.random.Generator.standard_normal,
    "multivariate_normal": np.random.Generator.multivariate_normal,
    "binomial": np.random.Generator.binomial, "poisson": np.random.Generator.poisson,
    "exponential": np.random.Generator.exponential,
}
CONSTANTS: dict[str, Any] = {"pi": np.pi, "e": np.e, "inf": np.inf, "nan": np.nan,
                             "newaxis": np.newaxis}
DTYPES: dict[str, Any] = {"float32": np.float32, "float64": np.float64, "int64": np.int64,
                          "int32": np.int32, "bool_": np.bool_, "double": np.float64,
                          "float16": np.float16, "uint8": np.uint8, "int16": np.int16,
                          "int8": np.int8}
# a.<name>(...): ndarray methods by name
METHODS: dict[str, Callable[..., Any]] = {
    "reshape": np.ndarray.reshape, "astype": np.ndarray.astype, "sum": np.ndarray.sum,
    "mean": np.ndarray.mean, "max": np.ndarray.max, "min": np.ndarray.min,
    "argmax": np.ndarray.argmax, "argmin": np.ndarray.argmin, "copy": np.ndarray.copy,
    "tolist": np.ndarray.tolist, "item": np.ndarray.item, "flatten": np.ndarray.flatten,
    "ravel": np.ndarray.ravel, "squeeze": np.ndarray.squeeze, "transpose": np.ndarray.transpose,
    "dot": np.ndarray.dot, "std": np.ndarray.std, "var": np.ndarray.var,
    "prod": np.ndarray.prod, "cumsum": np.ndarray.cumsum, "all": np.ndarray.all,
    "any": np.ndarray.any, "clip": np.ndarray.clip, "round": np.ndarray.round,
    "argsort": np.ndarray.argsort, "fill": np.ndarray.fill, "sort": np.ndarray.sort,
}
IN_PLACE_METHODS = frozenset({"fill", "sort"})
ATTRIBUTES: dict[str, Callable[[Any], Any]] = {
    "shape": lambda a: a.shape, "ndim": lambda a: a.ndim, "dtype": lambda a: a.dtype,
    "size": lambda a: a.size, "T": lambda a: a.T, "real": lambda a: a.real,
    "imag": lambda a: a.imag,
}
# numpy scalars (np.float64(2.0)) have the same methods and attributes as arrays
SCALAR_TYPES = (np.generic,)


def is_numpy(obj: Any) -> bool:
    return isinstance(obj, np.ndarray | np.generic) or obj in DTYPES.values()


def unsupported(what: str) -> str:
    return (f"{what} is not among the numpy functions Gradflow reads; numpy arrays are read "
            f"as plain data with np.{', np.'.join(sorted(FUNCTIONS))}, "
            f"np.linalg.{', np.linalg.'.join(sorted(LINALG))} and "
            f"np.random.{', np.random.'.join(sorted(RANDOM))}; or write it with torch")


def planned_elements(name: str, args: list[Any], kwargs: dict[str, Any]) -> int:
    """An upper bound on the elements a call makes, found before numpy allocates them (as
    torch's limits are checked on the meta device): np.zeros((10**6, 10**6)) is refused,
    not computed."""
    if name in ("zeros", "ones", "full", "empty"):
        return _count(kwargs.get("shape", args[0] if args else ()))
    if name in ("rand", "randn"):
        return _count(list(args))
    if name in _SIZE_AT:
        at = _SIZE_AT[name]
        return _count(kwargs.get("size", args[at] if len(args) > at else 1))
    if name in ("eye", "identity") and args:
        rows = args[0]
        cols = args[1] if len(args) > 1 and args[1] is not None else kwargs.get("M") or rows
        return _count(rows) * _count(cols)
    if name in ("linspace", "logspace"):
        return _count(args[2] if len(args) > 2 else kwargs.get("num", 50))
    if name == "arange" and args:
        ends = [*args, *(kwargs[k] for k in ("stop", "step") if k in kwargs)]
        start, stop, step = (0, ends[0], 1) if len(ends) == 1 else (*ends[:2], 1) if \
            len(ends) == 2 else tuple(ends[:3])
        try:
            return max(0, math.ceil((float(stop) - float(start)) / float(step)))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return 0  # numpy says what is wrong with them
    if name in ("tile", "repeat"):
        times = args[1] if len(args) > 1 else kwargs.get("reps" if name == "tile" else
                                                         "repeats", 1)
        return _grown(name, math.prod(_shape(args[0] if args else kwargs.get("A", ()))), times)
    if name in ("permutation",) and args and isinstance(args[0], int):
        return _count(args[0])
    shapes = [_shape(a) for a in [*args, *kwargs.values()]
              if isinstance(a, np.ndarray | np.generic | list | tuple)]
    sizes = [math.prod(s) for s in shapes]
    if name in ("outer", "kron"):
        return math.prod(sizes)
    if name == "meshgrid":  # one array per input, each of every input's size multiplied
        return math.prod(sizes) * len(sizes)
    if name in ("dot", "matmul", "@") and len(shapes) == 2:
        return _product_size(*shapes)
    try:
        grown = math.prod(np.broadcast_shapes(*shapes))
    except ValueError:
        grown = 0  # shapes that do not broadcast: numpy raises its own error
    return max(grown, sum(sizes))


# where a random function takes its size= positionally
_SIZE_AT = {"normal": 2, "uniform": 2, "randint": 2, "integers": 2, "choice": 1,
            "standard_normal": 0, "random": 0, "random_sample": 0, "sample": 0}


def _grown(name: str, size: int, times: Any) -> int:
    """np.tile(a, reps) and np.repeat(a, repeats): at most a's size times every repeat."""
    try:
        counts = np.asarray(times, dtype=np.int64).ravel()
    except (TypeError, ValueError, OverflowError):
        return 0  # numpy says what is wrong with them
    if not counts.size:
        return size
    factor = math.prod(max(int(n), 1) for n in counts) if name == "tile" else \
        max(int(counts.max()), 0)
    return size * factor


def _product_size(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    if not a or not b:
        return max(math.prod(a), math.prod(b))
    try:
        batch = math.prod(np.broadcast_shapes(a[:-2], b[:-2]))
    except ValueError:
        batch = 0
    return batch * (a[-2] if len(a) >= 2 else 1) * (b[-1] if len(b) >= 2 else 1)


def _shape(data: Any) -> tuple[int, ...]:
    """The shape numpy gives data; a list of arrays of different shapes (concatenate's)
    as one row of all their elements."""
    try:
        return tuple(np.shape(data))
    except (ValueError, TypeError):
        return (sum(math.prod(_shape(part)) for part in data),)


def _count(shape: Any) -> int:
    if isinstance(shape, int | np.integer) and not isinstance(shape, bool):
        return max(int(shape), 0)
    if isinstance(shape, tuple | list) and all(isinstance(n, int | np.integer) for n in shape):
        return math.prod(max(int(n), 0) for n in shape)
    return 0  # not a shape: numpy says so
