"""The names of the nodes a snippet's reading makes: a node takes the variable's name it is
bound to, an older holder of that name moves aside to a numbered one (y, y_2, y_3), a
leaf keeps its name (it is the key of its grads), and torch's own short names (F) are not
given to nodes, since the generated code uses them. Node ids follow the order names are
bound in."""

from __future__ import annotations

from engine.document import Document
from engine.names import RESERVED_NAMES
from engine.ops import LEAF


class NodeNames:
    """The naming half of the expression reader (expressions.py), which sets these."""

    doc: Document
    reserved: set[str]
    next_id: int
    taken: set[str]  # every node name, kept as nodes change
    holders: dict[str, str]  # node name → node id, the same way
    suffix: dict[str, int]  # base name → the next number to try after it
    auto_named: set[str]  # nodes named by the importer, not by a variable

    def take_id(self) -> str:
        # Ids follow the order names are bound in, so the document's topological order
        # (ties broken by id) is the snippet's own order even for nodes made on first use.
        while str(self.next_id) in self.doc.graph:
            self.next_id += 1
        self.next_id += 1
        return str(self.next_id - 1)

    def unique(self, base: str, *, avoid_reserved: bool = True) -> str:
        def used(name: str) -> bool:  # the document's names too: a training step keeps some
            return name in self.taken or self.doc.node_by_name(name) is not None or (
                avoid_reserved and name in self.reserved)
        name, i = base, self.suffix.get(base, 2)
        if used(name):
            name = f"{base}_{i}"
            while used(name):
                i += 1
                name = f"{base}_{i}"
            self.suffix[base] = i + 1  # a loop naming y, y_2, y_3... stays linear
        return name

    def rename(self, node_id: str, name: str) -> None:
        old = self.doc.node(node_id).name
        self.taken.discard(old)
        self.holders.pop(old, None)
        self.doc.update_node(node_id, name=name)
        self.taken.add(name)
        self.holders[name] = node_id

    def claim(self, node_id: str, name: str) -> None:
        """Give node_id the variable name `name`, moving an older holder aside."""
        node = self.doc.node(node_id)
        if node.name == name:
            return
        holder_id = self.holders.get(name)
        holder = self.doc.node(holder_id) if holder_id is not None else None
        if name in RESERVED_NAMES:  # `F = a * b`: the generated code's F is torch's
            name = self.unique(f"{name}_")
        elif holder is not None and holder.op == LEAF:
            name = self.unique(name)  # a leaf's name is its key in grads: it stays
        elif holder is not None:
            self.rename(holder.id, self.unique(name))
        self.rename(node_id, name)
        self.auto_named.discard(node_id)
