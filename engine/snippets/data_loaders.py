"""torch.utils.data over tensors in memory, read as torch runs it: `TensorDataset(X, y)`
(`len(ds)`, `ds[i]` a tuple of rows), `random_split` and `Subset`, and
`DataLoader(ds, batch_size=..., shuffle=..., drop_last=...)` visited by `for xb, yb in
loader`, `enumerate(loader)`, `next(iter(loader))` and `len(loader)`. A batch is what
torch's default_collate gives: a list of the rows stacked along a new dim 0, tensors with no
graph. The random numbers are torch's own draws from the snippet's random stream, in torch's
order (torch/utils/data/dataloader.py and sampler.py, torch 2.13): every `iter(loader)` draws
a base seed (shuffle or not); with shuffle, its first batch draws a seed for a fresh generator
that runs randperm. So what the snippet draws after a loop equals the plain script's.
Workers (num_workers > 0), samplers, collate functions, a snippet's own Dataset class and data
sets of tensors that require grad (their batches carry a graph) are refused with why."""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from types import GeneratorType
from typing import Any

import torch
import torch.utils.data as tud

from engine.snippets.own_datasets import OwnData, OwnDatasets
from engine.snippets.safety import error_at, raised_at, short_text
from engine.snippets.values import Number, Pending, Py, Ref, Value

_PATH = "torch.utils.data."
_READ = "TensorDataset, DataLoader, random_split and Subset over tensors"
# DataLoader's options that change nothing a batch holds on this machine (no worker, a CPU)
_HARMLESS = {"num_workers": 0, "pin_memory": None, "timeout": 0, "prefetch_factor": None,
             "persistent_workers": False, "pin_memory_device": "", "in_order": True}


@dataclass(eq=False)
class TensorData:
    """A TensorDataset: the snippet's tensors, and their numbers when it was made."""

    tensors: tuple[Value, ...]
    real: tuple[torch.Tensor, ...]

    def __len__(self) -> int:
        return self.real[0].size(0)  # torch's: an IndexError for TensorDataset()


@dataclass(eq=False)
class SubsetData:
    """A Subset (what random_split gives): rows `indices` of `dataset`."""

    dataset: TensorData | SubsetData | OwnData
    indices: list[int]

    def __len__(self) -> int:
        return len(self.indices)


DataSet = TensorData | SubsetData | OwnData


@dataclass(eq=False)
class Loader:
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


class _Sized:
    """A stand-in data set of a given length: torch checks a loader's options on it."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> int:
        return index


class DataLoaders(OwnDatasets):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tensor_datasets: list[TensorData] = []  # to follow in-place updates of theirs

    def relabel(self, old: Value, new: Value, where: ast.AST) -> Value:
        """An in-place update (`X += 1`, `X.detach().zero_()`) names the new tensor by every
        name of the old one; torch's data set holds the tensor itself, so it does too."""
        for held in self.tensor_datasets:
            held.tensors = tuple(new if t is old or isinstance(t, Pending | Ref) and isinstance(
                old, Pending | Ref) and t.node_id is not None and t.node_id == old.node_id
                else t for t in held.tensors)
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
        if generator is not None and shuffle:
            raise error_at(node, f"{short_text(node)}: a shuffled DataLoader with a generator "
                                 "of its own is not read yet; leave generator= out (torch "
                                 "then shuffles from its global random numbers)")
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
        model = self.own_dataset(value)
        return None if model is None else OwnData(model)

    def size(self, dataset: DataSet, where: ast.AST) -> int:
        """len(dataset): a class of the snippet's answers through its own __len__."""
        if isinstance(dataset, OwnData):
            return self.own_length(dataset.model, where)
        return len(dataset)

    # ---- rows and batches ------------------------------------------------------------------
    def subscript(self, node: ast.Subscript) -> Value:
        held = self.held_dataset(node.value)
        if held is None:
            return super().subscript(node)
        return self.rows(held, self.index_key(node.slice), node)

    def held_dataset(self, node: ast.expr) -> DataSet | None:
        """The data set `ds` or `loader.dataset` names (read without effects), or None."""
        held = self.env.get(node.id) if isinstance(node, ast.Name) else None
        if isinstance(node, ast.Attribute) and node.attr == "dataset" and \
                isinstance(node.value, ast.Name):
            loader = self.env.get(node.value.id)
            if isinstance(loader, Py) and isinstance(loader.value, Loader):
                return loader.value.dataset
        if isinstance(held, Py) and isinstance(held.value, TensorData | SubsetData):
            return held.value
        return None

    def rows(self, dataset: DataSet, key: Any, where: ast.AST) -> Value:
        """`ds[key]`: TensorDataset's tuple of each tensor's `t[key]` (a Subset maps the key
        through its indices first), indexed as the snippet's own `t[key]` is."""
        while isinstance(dataset, SubsetData):
            try:
                key = [dataset.indices[i] for i in key] if isinstance(key, list) else \
                    dataset.indices[key]
            except Exception as exc:  # noqa: BLE001 - Python's own words
                raise raised_at(where, exc) from None
            dataset = dataset.dataset
        if isinstance(dataset, OwnData):
            return self.own_item(dataset.model, self.wrap(key, where), where)
        try:
            for t in self.numbers_now(dataset, where):
                t[key]  # torch's IndexError first, at the line that indexes
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(where, exc) from None
        return Py(tuple(self.index_value(t, (key,), where) for t in dataset.tensors))

    def batches(self, loader: Loader, where: ast.AST) -> list[Value]:
        """The batches of one pass, made at its first next(): with shuffle, torch's
        RandomSampler draws a seed from the global stream here and runs randperm with a fresh
        generator seeded with it."""
        n = self.size(loader.dataset, where)
        if not loader.shuffle:
            order = list(range(n))
        else:
            seed = int(torch.empty((), dtype=torch.int64).random_(generator=self.generator))
            fresh = torch.Generator()
            fresh.manual_seed(seed)
            order = torch.randperm(n, generator=fresh).tolist()
        size = loader.batch_size
        if size is None:  # no batching: each row as torch's default_convert gives it
            return [self.rows(loader.dataset, i, where) for i in order]
        groups = [order[i:i + size] for i in range(0, n, size)]
        if loader.drop_last and groups and len(groups[-1]) < size:
            groups.pop()
        base, mapped = loader.dataset, groups
        while isinstance(base, SubsetData):
            indices = base.indices
            mapped = [[indices[i] for i in g] for g in mapped]
            base = base.dataset
        if isinstance(base, OwnData):  # torch's fetcher: ds[i] for each i, then collate
            model = base.model
            return [self.collated([self.own_item(model, Number(i), where) for i in group],
                                  where) for group in mapped]
        if any(self.needs_grad(t) for t in base.tensors):
            raise error_at(where, "a DataLoader over tensors that require grad gives batches "
                                  "with a graph (torch stacks rows that carry it); Gradflow "
                                  "reads batches of data: make the data set from x.detach()")
        made: list[Value] = []
        numbers = self.numbers_now(base, where)
        for group in mapped:
            index = torch.tensor(group, dtype=torch.int64)
            made.append(Py([self.from_tensor(t[index], where) for t in numbers]))
        return made

    def start(self, loader: Loader) -> Stream:
        """iter(loader): torch's _BaseDataLoaderIter draws its base seed, shuffle or not."""
        torch.empty((), dtype=torch.int64).random_(
            generator=self.generator if loader.generator is None else loader.generator)
        return Stream(loader)

    def stream_items(self, stream: Stream, where: ast.AST) -> list[Value]:
        if stream.items is None:
            assert stream.loader is not None
            stream.items = self.batches(stream.loader, where)
        return stream.items

    # ---- iterating -----------------------------------------------------------------------
    def items(self, value: Value, where: ast.AST) -> list[Value]:
        if isinstance(value, Py):
            held = value.value
            if isinstance(held, Loader):
                return self.stream_items(self.start(held), where)
            if isinstance(held, Stream):  # the rest of an iterator; it is used up
                rest = self.stream_items(held, where)[held.position:]
                held.position = len(held.items or [])
                return rest
            if isinstance(held, TensorData | SubsetData):  # Python indexes until IndexError
                return [self.rows(held, i, where) for i in range(len(held))]
        return super().items(value, where)

    def builtin(self, name: str, node: ast.Call) -> Value:
        if name == "iter" and name not in self.env:
            return self.iterator(node)
        if name == "next" and name not in self.env:
            return self.next_item(node)
        if name == "zip" and name not in self.env:
            args, kwargs = self.arguments(node)
            if any(isinstance(a, Py) and isinstance(a.value, Loader) for a in args):
                # zip calls iter() on each (base seeds), then next() on each in turn
                streams = [self.start(a.value) if isinstance(a, Py) and isinstance(
                    a.value, Loader) else Stream(None, self.items(a, node)) for a in args]
                seqs = [self.stream_items(s, node) for s in streams]
                return Py([Py(tuple(group)) for group in zip(*seqs, strict=False)])
        return super().builtin(name, node)

    def iterator(self, node: ast.Call) -> Value:
        if len(node.args) != 1 or node.keywords:
            raise error_at(node, "iter(...) is read with one argument")
        value = self.expr(node.args[0])
        if isinstance(value, Py) and isinstance(value.value, Loader):
            return Py(self.start(value.value))
        if isinstance(value, Py) and isinstance(value.value, Stream | GeneratorType):
            return value  # an iterator's iter() is itself (a generator's: generators.py)
        return Py(Stream(None, self.items(value, node)))

    def next_item(self, node: ast.Call) -> Value:
        if not 1 <= len(node.args) <= 2 or node.keywords:
            raise error_at(node, "next(...) is read as next(iterator) or next(iterator, default)")
        value = self.expr(node.args[0])
        if isinstance(value, Py) and isinstance(value.value, GeneratorType):
            try:  # a generator's items, made at its call (generators.py)
                return next(value.value)  # type: ignore[no-any-return]
            except StopIteration:
                if len(node.args) == 2:
                    return self.expr(node.args[1])
                raise raised_at(node, StopIteration()) from None
        if not (isinstance(value, Py) and isinstance(value.value, Stream)):
            raise raised_at(node, TypeError(f"'{_type_name(value)}' object is not an iterator"))
        stream = value.value
        items = self.stream_items(stream, node)
        if stream.position < len(items):
            stream.position += 1
            return items[stream.position - 1]
        if len(node.args) == 2:
            return self.expr(node.args[1])
        raise raised_at(node, StopIteration())

    def has_effects(self, call: ast.Call) -> bool:
        """print(next(iter(loader))) draws torch's seeds as the script does."""
        if isinstance(call.func, ast.Name) and call.func.id in ("iter", "next") and \
                call.func.id not in self.env:
            return True
        return super().has_effects(call)

    # ---- attributes and methods ---------------------------------------------------------
    def plain_attribute(self, value: Py, attr: str, node: ast.Attribute) -> Value | None:
        held = value.value
        known: dict[str, Any] | None = None
        if isinstance(held, Loader):
            known = {"dataset": lambda: _as_value(held.dataset), "drop_last": lambda: Number(
                held.drop_last), "batch_size": lambda: Py(None) if held.batch_size is None
                else Number(held.batch_size)}
        elif isinstance(held, TensorData):
            known = {"tensors": lambda: Py(held.tensors)}
        elif isinstance(held, SubsetData):
            known = {"dataset": lambda: _as_value(held.dataset),
                     "indices": lambda: Py([Number(i) for i in held.indices])}
        if known is None:
            return super().plain_attribute(value, attr, node)
        if attr not in known:
            raise error_at(node, f"{short_text(node)}: of a {_kind(held)}, Gradflow reads "
                                 f"{', '.join(f'.{a}' for a in known)}")
        made: Value = known[attr]()
        return made

    def method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if isinstance(receiver, Py) and isinstance(receiver.value, DataSet | Loader | Stream):
            raise error_at(node, f"{short_text(node)}: a {_kind(receiver.value)} is read "
                                 "through for-loops, len(), [i], iter() and next()")
        return super().method(receiver, attr, node)


def _as_value(dataset: DataSet) -> Py:
    """`loader.dataset` is the object the snippet made: its own class's instance too."""
    return Py(dataset.model if isinstance(dataset, OwnData) else dataset)


def _kind(held: Any) -> str:
    return {TensorData: "TensorDataset", SubsetData: "Subset", Loader: "DataLoader",
            Stream: "data loader's iterator"}.get(type(held), type(held).__name__)


def _type_name(value: Value) -> str:
    if isinstance(value, Number):
        return type(value.value).__name__
    if isinstance(value, Py):
        return _kind(value.value) if isinstance(value.value, DataSet | Loader) else \
            type(value.value).__name__
    return "Tensor"


__all__ = ["DataLoaders", "Loader", "Stream", "SubsetData", "TensorData"]
