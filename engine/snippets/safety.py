"""The safety pass over a pasted snippet, before the importer looks at its meaning.

Nothing in a snippet is ever run by Python: the importer evaluates the statements itself.
This pass still refuses, for the whole text at once and before any torch call the importer
makes, everything that reaches outside torch: names the snippet does not define (`os`,
`open`, `__import__`), private or dunder attributes, imports of anything but torch, math,
random, time and itertools (numpy, matplotlib and torch.optim may be imported: numpy arrays are read
as plain data (numpy_reader.py), plots as nothing (plots.py), other uses are refused where
read),
and the constructs outside plain computation (generators, async, del, raise...).
Loops, def, lambda, `with torch.no_grad()` (statements.py), nn.Module classes (classes.py) and
custom autograd Functions (custom_functions.py)
are read by the importer. The tables of what may be imported and of the outside libraries are
in import_tables.py (re-exported here).
"""

from __future__ import annotations

import ast
import builtins
import math

from engine.snippets.import_tables import (
    ACCEPTED_IMPORTS,
    FILE_FUNCTIONS,
    FILE_READERS,
    IMPORTABLE_OBJECTS,
    OLD_PATHS,
    OUTSIDE_LIBRARIES,
    PYTHON_MODULES,
    SUBMODULES,
    TORCH_MODULES,
    canonical_path,
    missing_module,
    outside_library,
    torch_function,
)

__all__ = ["ACCEPTED_IMPORTS", "BUILTINS", "FILE_FUNCTIONS", "FILE_READERS", "IMPORTABLE_OBJECTS",
           "MAX_SNIPPET_CHARS", "OUTSIDE_LIBRARIES", "TORCH_MODULES", "ImportError_",
           "TorchRaised", "UnparsedSnippet", "canonical_path", "error_at", "imported_names",
           "leaf_in_place_error", "missing_module", "outside_library", "parse", "raised_at",
           "refuse_outside", "scan", "short_text", "walk"]

MAX_SNIPPET_CHARS = 200_000

# Builtins a snippet may mention; the importer evaluates the ones on plain values
# (builtins.py) and ignores print/display.
BUILTINS = frozenset({
    "print", "len", "str", "repr", "id", "dict", "float", "int", "round", "abs", "bool", "list",
    "tuple",
    "isinstance", "type", "RuntimeError", "Exception", "ValueError", "TypeError", "range",
    "min", "max", "sum", "enumerate", "zip", "display", "reversed", "AttributeError",
    "IndexError", "ZeroDivisionError", "AssertionError", "KeyError", "NotImplementedError",
    "ImportError", "ModuleNotFoundError", "RecursionError", "OverflowError", "ArithmeticError",
    "LookupError", "StopIteration",
    "vars", "super", "filter", "map", "any", "all", "slice",
    "sorted", "divmod", "pow", "set", "chr", "ord", "hex", "bin", "oct", "format", "getattr",
    "hasattr", "setattr", "breakpoint", "Warning", "UserWarning", "DeprecationWarning",
    "FutureWarning", "RuntimeWarning",
    "property", "staticmethod", "classmethod", "iter", "next",
    "dir", "help",  # these two: display lines only
    "locals", "globals",  # the snippet's own names, as a dict ('x' in locals())
    "object",  # class Model(object): a plain class
    "callable",  # callable(f); `loss_fn: callable` as a parameter's annotation
})

# (construct, advice) for statements and expressions that are never supported.
_REFUSED: dict[type, tuple[str, str]] = {
    ast.AsyncFor: ("async for-loops", "use a plain for-loop"),
    ast.AsyncFunctionDef: ("async functions", "use a plain def"),
    ast.AsyncWith: ("with-blocks", "remove the with-statement"),
    ast.Await: ("await", "remove it"),
    ast.YieldFrom: ("generators (yield from)", "a generator is outside the computation "
                    "Gradflow reads; make the tensors it would give with torch.tensor(...)"),
    ast.NamedExpr: ("the := operator", "assign on a line of its own"),
    ast.SetComp: ("set comprehensions", "write a list comprehension"),
    ast.Match: ("match statements", "remove it"),
}


class ImportError_(ValueError):  # noqa: N801 - the trailing _ keeps it apart from the builtin
    """A snippet the importer refuses. `line` and `col` are 1-based; the message has both."""

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(f"line {line}, column {col}: {message}")
        self.line = line
        self.col = col
        self.reason = message


class UnparsedSnippet(ImportError_):
    """Text Python cannot parse: refused where a person edits it (the import dialog), and
    Python's own SyntaxError where the script is run (`gradflow compute`), as python would
    stop before any line runs."""

    def __init__(self, python_message: str, line: int, col: int) -> None:
        super().__init__(f"Python cannot parse this: {python_message}; fix the syntax", line,
                         col)
        self.python_message = python_message


def error_at(node: ast.AST, message: str) -> ImportError_:
    return ImportError_(message, getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1)


def short_text(node: ast.AST) -> str:
    """The code of `node` as a message quotes it: cut to 40 characters."""
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."


def parse(text: str) -> ast.Module:
    """ast.parse with every failure turned into an ImportError_."""
    if len(text) > MAX_SNIPPET_CHARS:
        raise ImportError_(f"the snippet is longer than {MAX_SNIPPET_CHARS} characters; "
                           "paste the part that builds the graph")
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise UnparsedSnippet(exc.msg, exc.lineno or 1, exc.offset or 1) from None
    except (RecursionError, MemoryError):
        raise ImportError_("the code is nested too deeply; simplify it") from None
    # t._grad is the tensor's .grad itself (torch's own alias), unless the snippet names a
    # method or an attribute of its own so (`def _grad(self)` in a class: self._grad())
    own_grad = any(isinstance(n, ast.FunctionDef) and n.name == "_grad" or isinstance(
        n, ast.Attribute) and n.attr == "_grad" and isinstance(n.ctx, ast.Store)
        for n in ast.walk(tree))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "_grad" and not own_grad:
            node.attr = "grad"
        # m.__class__ is type(m) (and m.__class__.__name__ is type(m).__name__)
        for field, inner in ast.iter_fields(node):
            if isinstance(inner, list):
                inner[:] = [_type_of(item) for item in inner]
            elif isinstance(inner, ast.AST):
                setattr(node, field, _type_of(inner))
    return tree


def _type_of(node: ast.AST) -> ast.AST:
    """`m.__class__` read as `type(m)`, which the reader knows; any other node as it is."""
    if isinstance(node, ast.Attribute) and node.attr == "__class__" and \
            isinstance(node.ctx, ast.Load):
        return ast.copy_location(ast.Call(func=ast.copy_location(ast.Name("type", ast.Load()),
                                                                 node),
                                          args=[node.value], keywords=[]), node)
    return node


def imported_names(node: ast.Import | ast.ImportFrom) -> dict[str, str]:
    """{local name: dotted torch module} of an import, or an error for anything else."""
    out: dict[str, str] = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            known = alias.name in TORCH_MODULES or outside_library(alias.name) is not None
            if not known or alias.name in IMPORTABLE_OBJECTS:
                raise _foreign_import(node, alias.name)
            if alias.asname is None:
                top = alias.name.split(".")[0]
                out[top] = top  # `import torch.nn` binds torch
            else:
                out[alias.asname] = alias.name
        return out
    module = node.module or ""
    if module == "__future__" and not node.level:
        return out  # `from __future__ import print_function`: Python 3 has it already
    if [a.name for a in node.names] == ["*"] and not node.level and module in _STAR_MODULES:
        # `from torch.utils.data import *`: each public name, read (or refused) where used
        return {name: f"{module}.{name}" for name in _STAR_MODULES[module]}
    for alias in node.names:
        if f"{module}.{alias.name}" in SUBMODULES:
            out[alias.asname or alias.name] = "torch.nn"
            continue
        if f"{module}.{alias.name}" == "torch.functional.F":  # torch.nn.functional, which
            out[alias.asname or alias.name] = "torch.nn.functional"  # torch.functional uses
            continue
        # from torch.nn.modules.loss import MSELoss: torch.nn.MSELoss
        owner = SUBMODULES.get(module, module)
        full = f"{owner}.{alias.name}"
        known = (full in TORCH_MODULES + IMPORTABLE_OBJECTS or outside_library(full) is not None
                 or torch_function(owner, alias.name)
                 or owner in PYTHON_MODULES and not alias.name.startswith("_")
                 and hasattr(PYTHON_MODULES[owner], alias.name))
        full = OLD_PATHS.get(full, full)
        known = known or full in IMPORTABLE_OBJECTS
        if node.level or alias.name == "*" or not known:
            raise _foreign_import(node, full if module else alias.name)
        out[alias.asname or alias.name] = full
    return out


# modules a star import may name: their public names, without importing anything
_STAR_MODULES = {"torch.utils.data": ("DataLoader", "Dataset", "TensorDataset", "Subset",
                                      "random_split", "IterableDataset", "Sampler",
                                      "RandomSampler", "SequentialSampler", "BatchSampler",
                                      "WeightedRandomSampler", "SubsetRandomSampler",
                                      "ConcatDataset", "default_collate"),
                 "math": tuple(n for n in dir(math) if not n.startswith("_"))}


def refuse_outside(dotted: str | None, node: ast.AST) -> None:
    """Raise the refusal of a use of an outside library (see OUTSIDE_LIBRARIES)."""
    why = outside_library(dotted) if dotted is not None else None
    if why is not None:
        text = ast.unparse(node)
        raise error_at(node, f"{text if len(text) <= 40 else text[:37] + '...'}: {why}")


def _foreign_import(node: ast.AST, name: str) -> ImportError_:
    # the modules among them (torch.save and torch.load are functions)
    harmless = ", ".join(sorted(k for k in OUTSIDE_LIBRARIES if k not in FILE_FUNCTIONS))
    return error_at(node, f"importing {name} is not supported; a snippet may import "
                          f"{ACCEPTED_IMPORTS}; {harmless} may be imported but not used "
                          "(files, data sets and other libraries are outside the "
                          "computation Gradflow reads)")


def scan(tree: ast.Module) -> set[str]:
    """Refuse the first construct (in the text) that reaches outside torch or hides code.
    Never runs any. Returns the names the snippet assigns. One walk: the defined names are
    known only at its end, so names are checked afterwards, and only refused constructs are
    sorted to find the first."""
    defined = set(BUILTINS)
    stored: set[str] = set()
    own_private: set[str] = set()  # `self._w = ...`, `def _mask_grad`: the snippet's own
    own_methods: set[str] = set()  # `def _grad(self)`: self._grad() is the snippet's, too
    suspects: list[ast.AST] = []
    for node in walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            own_private.add(node.attr)
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                stored.add(node.id)
            suspects.append(node)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            defined.update(imported_names(node))
        elif isinstance(node, ast.ExceptHandler) and node.name:
            defined.add(node.name)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
        elif isinstance(node, ast.FunctionDef):
            defined.add(node.name)
            own_private.add(node.name)
            own_methods.add(node.name)
        elif isinstance(node, ast.ClassDef):  # read where it is used (classes.py)
            defined.add(node.name)
        elif type(node) in _REFUSED or (isinstance(node, ast.Attribute)
                                        and node.attr.startswith("_")
                                        and not _torch_version(node)
                                        and not _type_name(node)):
            suspects.append(node)
    defined |= stored
    # an attribute of the snippet's own objects with a private name is its own business
    suspects = [n for n in suspects if not (
        isinstance(n, ast.Attribute) and n.attr in own_private and not n.attr.startswith("__")
        and (n.attr not in _TORCH_PRIVATE or n.attr in own_methods))]
    refused = [n for n in suspects if hasattr(n, "lineno") and _refusal(n, defined) is not None]
    if refused:
        first = min(refused, key=lambda n: (getattr(n, "lineno", 0),
                                            getattr(n, "col_offset", 0)))
        raise error_at(first, str(_refusal(first, defined)))
    return stored


# private attributes of torch's own objects, refused even where the snippet sets one
# private names of torch that learners copy from its own code and that are read
# `x.__pow__(2)`, `x.__radd__(1)`: the operator's method called by name (reflected or not),
# read as the operator (pyexpr.py)
OPERATOR_METHODS: dict[str, tuple[ast.operator, bool]] = {
    f"__{r}{name}__": (op, r == "r") for name, op in (
        ("add", ast.Add()), ("sub", ast.Sub()), ("mul", ast.Mult()), ("truediv", ast.Div()),
        ("pow", ast.Pow()), ("matmul", ast.MatMult())) for r in ("", "r")}
_PRIVATE_BUT_READ = frozenset({"_calculate_fan_in_and_fan_out", "_parameters",
                               "_forward_hooks", "_forward_pre_hooks",
                               *OPERATOR_METHODS})
_TORCH_PRIVATE = frozenset({"_modules", "_parameters", "_buffers", "_version", "_grad_fn",
                            "_grad", "_base", "_cdata", "_backward_hooks", "_forward_hooks"})


def walk(tree: ast.AST) -> list[ast.AST]:
    """Every node of the tree in ast.walk's order (breadth first), at half its cost: one list
    that grows while it is read, no generator per node."""
    todo = [tree]
    for node in todo:
        for name in node._fields:
            child = getattr(node, name, None)
            if isinstance(child, ast.AST):
                todo.append(child)
            elif isinstance(child, list):
                todo.extend([c for c in child if isinstance(c, ast.AST)])
    return todo


def _torch_version(node: ast.Attribute) -> bool:
    """`torch.__version__` (under any name torch is imported as: `t.__version__`), which
    learners print first: a string, read as one (attributes.py)."""
    return node.attr == "__version__" and isinstance(node.value, ast.Name)


_PYTHON_BUILTINS = frozenset(dir(builtins))
# the names a script's header gives itself (author, date, version): plain variables
_MODULE_METADATA = frozenset({"__author__", "__date__", "__version__", "__copyright__",
                              "__license__", "__email__", "__status__", "__credits__",
                              "__maintainer__", "__contact__", "__docformat__", "__revision__"})


def _type_name(node: ast.Attribute) -> bool:
    """`type(g).__name__`: the name of the class Python's type() gives, a string (the
    importer answers type() itself: typecheck.py)."""
    return node.attr == "__name__" and isinstance(node.value, ast.Call) and \
        isinstance(node.value.func, ast.Name) and node.value.func.id == "type"


# the builtins that run code or reach the machine, and what each does
_CODE_RUNNERS = {
    "eval": "runs a text as Python code", "exec": "runs a text as Python code",
    "compile": "turns a text into code to run", "__import__": "imports a module by name",
    "open": "reads or writes a file", "input": "waits for the keyboard",
    "globals": "reaches the interpreter's own names", "memoryview": "reaches raw memory"}


def _refusal(node: ast.AST, defined: set[str]) -> str | None:
    """Why this node is refused, or None."""
    refused = _REFUSED.get(type(node))
    if refused is not None:
        construct, advice = refused
        return f"{construct} are not supported; {advice}"
    if isinstance(node, ast.Name):
        if node.id == "__name__" and isinstance(node.ctx, ast.Load):
            return None  # if __name__ == "__main__": reads as the script it is
        if node.id in _MODULE_METADATA:
            return None  # `__author__ = '...'` at a script's top: a variable of its own
        if node.id.startswith("__") and node.id.strip("_"):  # `for __ in ...` is harmless
            return (f"{node.id} reaches outside torch; a snippet may use only torch and its "
                    "own variables")
        if node.id not in defined and node.id in _CODE_RUNNERS:
            return (f"name {node.id!r} is not defined in the snippet: {node.id}() "
                    f"{_CODE_RUNNERS[node.id]}, outside the computation Gradflow reads (it "
                    "never runs code given as text, files or other modules); write the "
                    "computation out in the snippet")
        if node.id not in defined and node.id in _PYTHON_BUILTINS:
            return (f"name {node.id!r} is not defined in the snippet; a snippet may use only "
                    "torch and its own variables (models, optimizers, data loaders and files "
                    "are outside the computation Gradflow reads)")
        # a name nothing defines: Python's NameError where the script reaches it
        # (expressions.py), as a sketch that names its `model` or `epochs` raises
    elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and \
            not node.attr.startswith("_saved_") and node.attr not in _PRIVATE_BUT_READ and \
            node.attr != "__init__" and not (  # super().__init__(): read only in that form
                node.attr == "__name__" and isinstance(node.ctx, ast.Load)):  # a name
        return f"the attribute {node.attr} reaches outside torch; use torch's public functions"
    return None


class TorchRaised(ImportError_):
    """torch (or Python) raised while the importer evaluated a statement, as the plain script
    would at that line. `document` holds what the statements before it built; the run reports
    `error_type: torch_message` verbatim, so `gradflow compute` fails the way python does."""

    def __init__(self, error_type: str, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(f"{error_type}: {message}", line, col)
        self.error_type = error_type
        self.torch_message = message
        self.document: object | None = None


def leaf_in_place_error() -> RuntimeError:
    """torch's own refusal of `x += 1` on a leaf that requires grad, asked of torch."""
    import torch  # only here: the checks above run before torch is needed

    probe = torch.zeros(1, requires_grad=True)
    try:
        probe.add_(1)
    except RuntimeError as exc:
        return exc
    return RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                        "operation.")


def view_of_leaf_in_place_error() -> RuntimeError:
    """torch's own refusal of an in-place write on a view of a leaf that requires grad
    (`bar = foo[10:]; bar *= 10`), asked of torch."""
    import torch

    probe = torch.zeros(2, requires_grad=True)
    try:
        probe[1:].mul_(10)
    except RuntimeError as exc:
        return exc
    return RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                        "in-place operation.")


def raised_at(node: ast.AST, exc: BaseException) -> TorchRaised:
    return TorchRaised(type(exc).__name__, str(exc), getattr(node, "lineno", 1),
                       getattr(node, "col_offset", 0) + 1)
