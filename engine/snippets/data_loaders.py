"""torch.utils.data over tensors in memory, read as torch runs it: `TensorDataset(X, y)`
(`len(ds)`, `ds[i]` a tuple of rows), `random_split` and `Subset`, and
`DataLoader(ds, batch_size=..., shuffle=..., drop_last=...)` visited by `for xb, yb in
loader`, `enumerate(loader)`, `next(iter(loader))` and `len(loader)`. A batch is what
torch's default_collate gives: a list of the rows stacked along a new dim 0, tensors with no
graph; a batch of a tensor that requires grad (a PINN's points) is picked from it by an index
op of the graph. The random numbers are torch's own draws from the snippet's random stream, in
torch's order (torch/utils/data/dataloader.py and sampler.py, torch 2.13): every
`iter(loader)` draws a base seed (shuffle or not); with shuffle, its first batch draws a seed
for a fresh generator that runs randperm. So what the snippet draws after a loop equals the
plain script's. A Dataset class of the snippet's own is asked for each item, collated by
torch (own_datasets.py). Making the data sets and loaders is data_sets.py's."""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from types import GeneratorType
from typing import Any

import networkx as nx
import torch

from engine.snippets.data_sets import DataSet, DataSets, Loader, Stream, SubsetData, TensorData
from engine.snippets.own_datasets import OwnData
from engine.snippets.safety import error_at, raised_at, short_text
from engine.snippets.values import Generated, Number, Py, Ref, Value

# what torch's DataLoader refuses to have set once it is made
_FIXED_LOADER_ATTRS = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                       "persistent_workers")


class DataLoaders(DataSets):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (id of a data set or loader, attribute) → (it, the value the snippet set there):
        # Python objects take any attribute (`val_ds.train = False`)
        self.data_attrs: dict[tuple[int, str], tuple[Any, Value]] = {}

    def parameter_assign(self, target: ast.Attribute, value: Value) -> bool:
        owner = self.expr(target.value)
        held = owner.value if isinstance(owner, Py) else None
        if not isinstance(held, TensorData | SubsetData | Loader):
            return super().parameter_assign(target, value)
        if isinstance(held, Loader) and target.attr in _FIXED_LOADER_ATTRS:
            raise raised_at(target, ValueError(f"{target.attr} attribute should not be set "
                                               "after DataLoader is initialized"))
        if target.attr in (_torch_attributes(held) or {}):
            raise error_at(target, f"{short_text(target)}: setting a {_kind(held)}'s own "
                                   "attribute is not read; keep the value under a name")
        self.data_attrs[(id(held), target.attr)] = (held, value)
        return True

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

    def batches(self, loader: Loader, n: int, where: ast.AST) -> list[Value]:
        """The batches of one pass, made at its first next(): with shuffle, torch's
        RandomSampler draws a seed from the global stream here and runs randperm with a fresh
        generator seeded with it."""
        if not loader.shuffle:
            order = list(range(n))
        elif loader.generator is not None:  # RandomSampler shuffles with it directly
            order = torch.randperm(n, generator=loader.generator).tolist()
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
        if self.grad_enabled and any(self.needs_grad(t) for t in base.tensors):
            return self.batches_with_graph(base.tensors, mapped, where)
        made: list[Value] = []
        numbers = self.numbers_now(base, where)
        for group in mapped:
            index = torch.tensor(group, dtype=torch.int64)
            made.append(Py([self.from_tensor(t[index], where) for t in numbers]))
        return made

    def batches_with_graph(self, tensors: Sequence[Value], groups: list[list[int]],
                           where: ast.AST) -> list[Value]:
        """A PINN's loader over collocation points that require grad: torch stacks the rows
        of each batch, so a batch is computed from the data set's tensor and gradients reach
        it (torch.autograd.grad(u, xb) of the batch itself too). Each batch of such a tensor
        is the rows picked from it, an index op of the graph with torch's gradient; the other
        tensors' batches are numbers. The batches not used yet outlive a training step
        (finished_nodes)."""
        made: list[Value] = []
        for group in groups:
            batch = [self.index_value(t, ([*group],), where) for t in tensors]
            self.unused_batches.extend(b for b in batch if isinstance(b, Ref))
            made.append(Py(batch))
        return made

    def finished_nodes(self, updated: set[str]) -> list[str]:
        waiting = {b.node_id for b in self.unused_batches if b.node_id in self.doc.graph
                   and not self.doc.out_edges(b.node_id)}
        self.unused_batches = [Ref(i) for i in waiting]
        kept = waiting.union(*(nx.ancestors(self.doc.graph, i) for i in waiting))
        return [i for i in super().finished_nodes(updated) if i not in kept]

    def start(self, loader: Loader) -> Stream:
        """iter(loader): torch's _BaseDataLoaderIter draws its base seed, shuffle or not."""
        torch.empty((), dtype=torch.int64).random_(
            generator=self.generator if loader.generator is None else loader.generator)
        return Stream(loader)

    def stream_items(self, stream: Stream, where: ast.AST) -> list[Value]:
        if stream.items is None:
            assert stream.loader is not None
            stream.rows = self.size(stream.loader.dataset, where)
            stream.items = self.batches(stream.loader, stream.rows, where)
        return stream.items

    # ---- iterating -----------------------------------------------------------------------
    def items(self, value: Value, where: ast.AST) -> list[Value]:
        if isinstance(value, Py):
            held = value.value
            if isinstance(held, Loader):
                stream = self.start(held)
                batches = self.stream_items(stream, where)
                self.sampler_ran_out(stream)
                return batches
            if isinstance(held, Stream):  # the rest of an iterator; it is used up
                rest = self.stream_items(held, where)[held.position:]
                held.position = len(held.items or [])
                self.sampler_ran_out(held)
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
        if isinstance(value, Py) and isinstance(value.value, Generated):
            value.value = Stream(None, list(value.value))  # next(model.parameters())
        if not (isinstance(value, Py) and isinstance(value.value, Stream)):
            raise raised_at(node, TypeError(f"'{_type_name(value)}' object is not an iterator"))
        stream = value.value
        items = self.stream_items(stream, node)
        if stream.position < len(items):
            stream.position += 1
            if stream.position == len(items) and self.last_batch_partial(stream):
                self.sampler_ran_out(stream)  # the short batch is what emptied the sampler
            return items[stream.position - 1]
        self.sampler_ran_out(stream)
        if len(node.args) == 2:
            return self.expr(node.args[1])
        raise raised_at(node, StopIteration())

    def last_batch_partial(self, stream: Stream) -> bool:
        loader = stream.loader
        return loader is not None and not loader.drop_last and loader.batch_size is not None \
            and stream.rows % loader.batch_size != 0

    def sampler_ran_out(self, stream: Stream) -> None:
        """A shuffling sampler with the snippet's own generator draws one more randperm (of
        which it keeps no index) as it runs out, so the loader's next pass, or any other draw
        from that generator, starts where torch's does."""
        loader = stream.loader
        if loader is None or stream.sampler_done or not loader.shuffle or \
                loader.generator is None:
            return
        stream.sampler_done = True
        torch.randperm(stream.rows, generator=loader.generator)

    def has_effects(self, call: ast.Call) -> bool:
        """print(next(iter(loader))) draws torch's seeds as the script does."""
        if isinstance(call.func, ast.Name) and call.func.id in ("iter", "next") and \
                call.func.id not in self.env:
            return True
        return super().has_effects(call)

    # ---- attributes and methods ---------------------------------------------------------
    def plain_attribute(self, value: Py, attr: str, node: ast.Attribute) -> Value | None:
        """An attribute of a data set or loader: one the snippet set, or torch's own."""
        held = value.value
        set_here = self.data_attrs.get((id(held), attr))
        if set_here is not None and set_here[0] is held:
            return set_here[1]
        known = _torch_attributes(held)
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


def _torch_attributes(held: Any) -> dict[str, Callable[[], Value]] | None:
    """The attributes of torch's own a data set or loader answers, made when read."""
    known: dict[str, Callable[[], Value]] | None = None
    if isinstance(held, Loader):
        known = {"dataset": lambda: _as_value(held.dataset), "drop_last": lambda: Number(
            held.drop_last), "batch_size": lambda: Py(None) if held.batch_size is None
            else Number(held.batch_size)}
    elif isinstance(held, TensorData):
        known = {"tensors": lambda: Py(held.tensors)}
    elif isinstance(held, SubsetData):
        known = {"dataset": lambda: _as_value(held.dataset),
                 "indices": lambda: Py([Number(i) for i in held.indices])}
    return known


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
