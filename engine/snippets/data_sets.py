"""The objects of torch.utils.data a snippet makes, read as torch makes them:
`TensorDataset(X, y)` (its tensors, followed through in-place updates), `random_split` and
`Subset` (torch's own split on a stand-in of the same length), `DataLoader(ds, batch_size=...,
shuffle=..., drop_last=...)` with torch's checks of its options, and a Dataset class of the
snippet's own (own_datasets.py). What a loader gives when it is visited is data_loaders.py's.
Workers, samplers and collate functions are refused with why."""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.utils.data as tud

from engine.snippets.own_datasets import OwnData, OwnDatasets
from engine.snippets.safety import error_at, raised_at, short_text
from engine.snippets.values import Number, Pending, Py, Ref, Value, same_tensor

_PATH = "torch.utils.data."
_READ = "TensorDataset, DataLoader, random_split and Subset over tensors"
# DataLoader's options that change nothing a batch holds on this machine (no worker, a CPU)
_HARMLESS = {"num_workers": 0, "pin_memory": None, "timeout": 0, "prefetch_factor": None,
             "persistent_workers": False, "pin_memory_device": "", "in_order": True}


@dataclass(eq=False)
class TensorData:
    """A TensorDataset: the snippet's tensors, and their numbers when it was made."""

    holds_tensors: ClassVar[bool] = True  # a training step keeps what they hold (held.py)

    tensors: tuple[Value, ...]
    real: tuple[torch.Tensor, ...]

    def __len__(self) -> int:
        return self.real[0].size(0)  # torch's: an IndexError for TensorDataset()


@dataclass(eq=False)
class SubsetData:
    """A Subset (what random_split gives): rows `indices` of `dataset`."""

    holds_tensors: ClassVar[bool] = True

    dataset: TensorData | SubsetData | OwnData
    indices: list[int]

    def __len__(self) -> int:
        return len(self.indices)


DataSet = TensorData | SubsetData | OwnData


@dataclass(eq=False)
class Loader:
    holds_tensors: ClassVar[bool] = True

    dataset: DataSet
    batch_size: int | None
    shuffle: bool
    drop_last: bool
    generator: torch.Generator | None  # generator= of the snippet's own, or None
    real: Any  # torch's DataLoader over a stand-in of the same length: its len()

    def __len__(self) -> int:
        return len(self.real)


@dataclass(eq=False)
class Stream:
    """What iter() gives: a loader's batches are made at the first next(), where torch's
    sampler draws; any other iterable's items are known at once."""

    loader: Loader | None
    items: list[Value] | None = None
    position: int = 0
    rows: int = 0  # the data set's length at the first next()
    sampler_done: bool = False  # the shuffling sampler ran out (its last randperm drawn)


class _Sized:
    """A stand-in data set of a given length: torch checks a loader's options on it."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> int:
        return index


class DataSets(OwnDatasets):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tensor_datasets: list[TensorData] = []  # to follow in-place updates of theirs

    def relabel(self, old: Value, new: Value, where: ast.AST) -> Value:
        """An in-place update (`X += 1`, `X.detach().zero_()`) names the new tensor by every
        name of the old one; torch's data set holds the tensor itself, so it does too."""
        for held in self.tensor_datasets:
            held.tensors = tuple(new if same_tensor(t, old) else t for t in held.tensors)
        return super().relabel(old, new, where)

    def numbers_now(self, dataset: TensorData, where: ast.AST) -> tuple[torch.Tensor, ...]:
        """The data set's numbers at this point of the script: an update that writes a
        tensor's numbers where it is (`X.normal_()`) is seen as torch's data set sees it."""
        dataset.real = tuple(self.concrete(t, where) for t in dataset.tensors)
        return dataset.real

    # ---- making them -------------------------------------------------------------------
    def call(self, node: ast.Call) -> Value:
        path = self.module_path(node.func)
        if path is not None and path.startswith(_PATH):
            name = path.removeprefix(_PATH)
            if name == "TensorDataset":
                return self.tensor_dataset(node)
            if name == "DataLoader":
                return self.data_loader(node)
            if name == "random_split":
                return self.random_split(node)
            if name == "Subset":
                return self.subset(node)
            raise error_at(node, f"{short_text(node)}: of torch.utils.data, Gradflow reads "
                                 f"{_READ}; other data sets and samplers are outside the "
                                 "computation it reads: make the tensors with "
                                 "torch.tensor(...) or torch.randn(...) and a TensorDataset")
        return super().call(node)

    def tensor_dataset(self, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        if kwargs:
            raise raised_at(node, TypeError("TensorDataset.__init__() got an unexpected "
                                            f"keyword argument '{next(iter(kwargs))}'"))
        real = tuple(self.concrete(a, node) for a in args)
        try:
            tud.TensorDataset(*real)  # torch's own checks, its words ("Size mismatch ...")
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        if not all(isinstance(a, Pending | Ref) for a in args):
            raise error_at(node, "TensorDataset is read over tensors")
        made = TensorData(tuple(args), real)
        self.tensor_datasets.append(made)
        return Py(made)

    def data_loader(self, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        try:
            bound = inspect.signature(tud.DataLoader.__init__).bind(None, *args, **kwargs)
        except TypeError as exc:  # Python's words for a wrong argument
            raise raised_at(node, TypeError(f"DataLoader.__init__() {exc}")) from None
        given = dict(bound.arguments)
        given.pop("self", None)
        dataset = self.data_set_of(given.pop("dataset"))
        if dataset is None:
            raise error_at(node, f"{short_text(node)}: Gradflow reads a DataLoader over a "
                                 "TensorDataset, a random_split of one, or a Dataset class "
                                 "of the snippet's; a data set of another kind is outside "
                                 "the computation it reads")
        options: dict[str, Any] = {
            k: self.plain(v, node) if not (isinstance(v, Py) and isinstance(
                v.value, torch.Generator)) else v.value for k, v in given.items()}
        generator = options.pop("generator", None)
        if generator is not None and not isinstance(generator, torch.Generator):
            raise error_at(node, "generator= takes a torch.Generator() made in the snippet")
        if options.get("num_workers", 0) not in (0, None):
            raise error_at(node, f"{short_text(node)}: num_workers={options['num_workers']} "
                                 "loads the batches in other processes, outside the "
                                 "computation Gradflow reads; remove num_workers (the batches "
                                 "are the same without workers)")
        for name, value in options.items():
            if name in ("batch_size", "shuffle", "drop_last") or name in _HARMLESS and (
                    name == "pin_memory" or value == _HARMLESS[name]):
                continue
            if value is None or value is False:
                continue
            raise error_at(node, f"{short_text(node)}: DataLoader's {name}= is outside the "
                                 "computation Gradflow reads; it reads batch_size, shuffle "
                                 "and drop_last")
        batch_size = options.get("batch_size", 1)
        shuffle = options.get("shuffle")
        drop_last = options.get("drop_last", False)
        try:  # torch's checks of the options, in its words, on a stand-in of the same length
            real: Any = tud.DataLoader(_Sized(self.size(dataset, node)),  # type: ignore[arg-type]
                                       batch_size=batch_size,
                                       shuffle=shuffle, drop_last=drop_last)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        return Py(Loader(dataset, batch_size, bool(shuffle), bool(drop_last), generator, real))

    def random_split(self, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        dataset = self.data_set_of(args[0] if args else kwargs.get("dataset"))
        if dataset is None:
            raise error_at(node, "random_split is read over a TensorDataset or a Dataset "
                                 "class of the snippet's")
        lengths = args[1] if len(args) > 1 else kwargs.get("lengths")
        given = args[2] if len(args) > 2 else kwargs.get("generator")
        generator = self.generator if given is None else self.own_generator(given, node)
        if lengths is None or len(args) > 3 or set(kwargs) - {"dataset", "lengths",
                                                               "generator"}:
            raise error_at(node, "random_split is read as random_split(dataset, lengths)")
        try:  # torch's own split (fractions, its checks, its randperm) on a stand-in
            parts: list[Any] = tud.random_split(
                _Sized(self.size(dataset, node)),  # type: ignore[arg-type]
                self.plain(lengths, node), generator=generator)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        return Py([Py(SubsetData(dataset, list(p.indices))) for p in parts])

    def subset(self, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        given = dict(zip(("dataset", "indices"), args, strict=False)) | kwargs
        dataset, indices = self.data_set_of(given.get("dataset")), given.get("indices")
        if dataset is None or indices is None or set(given) != {"dataset", "indices"}:
            raise error_at(node, "Subset is read as Subset(dataset, indices) of a TensorDataset")
        return Py(SubsetData(dataset, [int(i) for i in self.plain(indices, node)]))

    def data_set_of(self, value: Value | None) -> DataSet | None:
        """What a loader, a split or a Subset reads `value` as, or None for anything else."""
        if isinstance(value, Py) and isinstance(value.value, TensorData | SubsetData):
            return value.value
        if isinstance(value, Py) and isinstance(value.value, list):
            return self.list_dataset(value.value)
        model = self.own_dataset(value)
        return None if model is None else OwnData(model)

    def list_dataset(self, items: list[Value]) -> TensorData | None:
        """A list of (input, target) pairs without gradient, `[(x, y)] * 20`: torch's
        loader collates a batch of pairs into stacked inputs and targets, which is what a
        TensorDataset of the stacked pairs gives; None for any other list."""
        rows = [i.value if isinstance(i, Py) and isinstance(i.value, tuple | list) else None
                for i in items]
        if not items or any(r is None or len(r) < 2 or len(r) != len(rows[0] or ())
                            for r in rows):
            return None
        columns: list[Value] = []
        for column in zip(*(r or () for r in rows), strict=True):
            if all(isinstance(v, Pending | Ref) and not self.needs_grad(v) for v in column):
                numbers = torch.stack([self.concrete(v, ast.Pass()) for v in column])
            elif all(isinstance(v, Number) for v in column):  # as torch collates numbers:
                plain = [v.value for v in column if isinstance(v, Number)]  # floats float64
                numbers = torch.tensor(plain, dtype=torch.float64 if any(
                    isinstance(n, float) for n in plain) else None)
            else:
                return None
            columns.append(self.from_tensor(numbers, ast.Pass()))
        made = TensorData(tuple(columns), tuple(self.concrete(c, ast.Pass()) for c in columns))
        self.tensor_datasets.append(made)
        return made

    def size(self, dataset: DataSet, where: ast.AST) -> int:
        """len(dataset): a class of the snippet's answers through its own __len__."""
        if isinstance(dataset, OwnData):
            return self.own_length(dataset.model, where)
        return len(dataset)


__all__ = ["DataSet", "DataSets", "Loader", "Stream", "SubsetData", "TensorData"]
