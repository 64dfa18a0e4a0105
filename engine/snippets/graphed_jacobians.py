"""`torch.autograd.functional.jacobian(f, x, create_graph=True)`: J as tensors of the graph.

With create_graph=True torch computes J row by row, each row `autograd.grad(out, x,
e_k, create_graph=True)` for the k-th element of the output, and J keeps the graph of
those gradients: a PINN takes u_x from it and trains on a loss of u_x, or takes the jacobian
of the jacobian for u_xx. The reader builds J the same way: one gradient node per row
(engine/grad_op.py) with the one-hot seed e_k, the rows joined and shaped as torch shapes J
(the output's shape, then the input's). torch makes the input it differentiates by a view
of x when x requires grad, so a later backward of J reaches x; when x does not, a new leaf
(`x.detach().requires_grad_()`), so J's graph starts there.
"""

from __future__ import annotations

import ast
import re

import torch

from engine.grad_op import GRAD_OP
from engine.limits import GRAPHED_ROWS
from engine.snippets.gradcall import GradCallReader
from engine.snippets.safety import error_at
from engine.snippets.tables import dtype_name
from engine.snippets.values import Number, Pending, Py, Ref, Value


class GraphedJacobians(GradCallReader):
    def graph_copy(self, original: str, where: ast.AST) -> str:
        """What f is read on: x's view when x requires grad (torch's `x.view_as(x)`, a
        clone here: the same numbers, the same gradient back to x), else a new leaf."""
        # (of a view made here for an outer jacobian, the tensor it views: t_view, not
        # t_view_view)
        name = re.sub(r"_view(_\d+)?$", "", self.doc.node(original).name)
        if not self.node_needs_grad(original):
            made = self.fresh_leaf(Ref(original), where, True)
            made.name = self.unique(f"{name}_differentiated")
            return self.node_of(made, where)
        view = self.node_of(self.op_node("clone", [Ref(original)], {}, where), where)
        self.rename(view, self.unique(f"{name}_view"))
        return view

    def graphed_jacobian(self, outputs: list[str], inputs: list[str], tuple_inputs: bool,
                         tuple_outputs: bool, where: ast.Call) -> Value:
        """J nested as torch nests it, each block a tensor of the graph."""
        rows = sum(self._numel(o, where) for o in outputs) * len(inputs)
        if GRAPHED_ROWS.exceeded(rows):
            raise error_at(where, f"jacobian(..., create_graph=True) here has "
                                  f"{GRAPHED_ROWS.message(rows)}; take the jacobian of a "
                                  "smaller output, or autograd.grad of its sum")

        def row(out: str) -> Value:
            blocks = [self._block(out, i, where) for i in inputs]
            return Py(tuple(blocks)) if tuple_inputs else blocks[0]
        return Py(tuple(row(o) for o in outputs)) if tuple_outputs else row(outputs[0])

    def _block(self, output: str, input_id: str, where: ast.Call) -> Value:
        """d output / d input: a gradient node per element of output, joined and shaped
        output.shape + input.shape."""
        out = self.concrete(Ref(output), where)
        shape_in = list(self.concrete(Ref(input_id), where).shape)
        if not self.node_needs_grad(output) or not self.reaches(input_id, [output]):
            # torch's J of an output that does not depend on the input: zeros, no graph
            zeros = torch.zeros([*out.shape, *shape_in], dtype=out.dtype)
            return self.from_tensor(zeros, where)
        parts: list[Value] = []
        for k in range(out.numel()):
            one_hot = torch.zeros(out.numel(), dtype=out.dtype)
            one_hot[k] = 1
            seed = Pending(one_hot.reshape(out.shape).tolist(), dtype_name(out.dtype), None,
                           name="e")
            made = self.op_node(GRAD_OP, [Ref(output), Ref(input_id), seed], {}, where)
            self.concrete(made, where)  # torch's error, if any, at this call
            if out.dim() > 0:
                made = self.op_node("reshape", [made], {"shape": [1, *shape_in]}, where)
            parts.append(made)
        if out.dim() == 0:
            return parts[0]
        joined = self.cat_chain(parts, 0, [Number(0)], where)
        return self.op_node("reshape", [joined], {"shape": [*out.shape, *shape_in]}, where)

    def _numel(self, node_id: str, where: ast.AST) -> int:
        value = self.concrete(Ref(node_id), where)
        return value.numel() if isinstance(value, torch.Tensor) else 1


__all__ = ["GraphedJacobians"]
