"""Benchmark graphs: chains and DAGs of N ops on tensors of E elements, as documents and as
the same computation written in plain torch."""

from __future__ import annotations

from collections.abc import Callable

import torch

from engine.document import Document
from engine.layout import apply_layout

UNARY = ("sin", "tanh", "cos")


def chain_document(n_ops: int, elements: int, layout: bool = False) -> Document:
    doc = Document()
    prev = doc.add_node("leaf", "x", value=[0.5] * elements).id
    for i in range(n_ops):
        node = doc.add_node(UNARY[i % 3], f"n{i}")
        doc.add_edge(prev, node.id, "input")
        prev = node.id
    doc.update_node(prev, is_output=True, seed=[1.0] * elements)
    if layout:
        apply_layout(doc)
    return doc


def dag_document(n_ops: int, elements: int, layout: bool = False) -> Document:
    """Every third op adds the two previous nodes: fan-out and fan-in all the way down."""
    doc = Document()
    nodes = [doc.add_node("leaf", "x", value=[0.5] * elements).id]
    nodes.append(doc.add_node("leaf", "w", value=[0.25] * elements).id)
    for i in range(n_ops):
        if i % 3 == 2:
            node = doc.add_node("add", f"n{i}")
            doc.add_edge(nodes[-1], node.id, "input")
            doc.add_edge(nodes[-2], node.id, "other")
        else:
            node = doc.add_node(UNARY[i % 3], f"n{i}")
            doc.add_edge(nodes[-1], node.id, "input")
        nodes.append(node.id)
    doc.update_node(nodes[-1], is_output=True, seed=[1.0] * elements)
    if layout:
        apply_layout(doc)
    return doc


def plain_chain(n_ops: int, elements: int) -> Callable[[], None]:
    fns = [getattr(torch, UNARY[i % 3]) for i in range(n_ops)]

    def go() -> None:
        x = torch.tensor([0.5] * elements, requires_grad=True)
        t = x
        for fn in fns:
            t = fn(t)
        t.backward(gradient=torch.tensor([1.0] * elements))
    return go


def plain_dag(n_ops: int, elements: int) -> Callable[[], None]:
    def go() -> None:
        x = torch.tensor([0.5] * elements, requires_grad=True)
        w = torch.tensor([0.25] * elements, requires_grad=True)
        nodes = [x, w]
        for i in range(n_ops):
            if i % 3 == 2:
                nodes.append(torch.add(nodes[-1], nodes[-2]))
            else:
                nodes.append(getattr(torch, UNARY[i % 3])(nodes[-1]))
        nodes[-1].backward(gradient=torch.tensor([1.0] * elements))
    return go
