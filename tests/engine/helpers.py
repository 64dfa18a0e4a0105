"""Build small documents for tests without repeating the wiring."""

from __future__ import annotations

from typing import Any

from engine.document import Document


def leaf(doc: Document, name: str, value: Any, dtype: str = "float64",
         requires_grad: bool = True) -> str:
    return doc.add_node("leaf", name, value=value, dtype=dtype, requires_grad=requires_grad).id


def const(doc: Document, name: str, value: Any, dtype: str = "float64") -> str:
    return doc.add_node("constant", name, value=value, dtype=dtype).id


def op(doc: Document, op_name: str, name: str, *inputs: str, **fields: Any) -> str:
    from engine.ops import get_op

    node = doc.add_node(op_name, name, **fields)
    for port, source in zip(get_op(op_name).inputs, inputs, strict=True):
        doc.add_edge(source, node.id, port)
    return node.id
