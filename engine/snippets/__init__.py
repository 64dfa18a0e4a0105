"""PyTorch code ↔ documents: read a pasted snippet into a graph (Python never runs it) and
write any graph back as a runnable snippet.

`reader.import_snippet` is the way in, `codegen.generate` the way out. The reader is a
stack of small readers, each with one job: `safety` (the pass that refuses anything
reaching outside torch), `expressions` (values, names, nodes, operators), `torchcalls`
(torch spellings of registry ops, creation calls, requires_grad), `concrete` (values
computed on demand for control flow and no_grad), `valuecalls` (calls computed on values;
max/min, cat/stack, unsqueeze as graph ops with grad), `indexing` (subscripts of tensors
and lists), `tensorcalls` (casts, Variable, value-reading methods), `hooks` (register_hook
and its handle), `modules` (nn.Linear, Sequential, losses, nn.Parameter), `pybuiltins`
(builtins, math, what a for loop visits), `pyexpr` (comparisons, calls, methods),
`attributes` (.grad, .data, .shape, torch.float32),
`functions` (def and lambda, inlined at each call), `statements` (assignment, if, loops),
`blocks` (with, try, assert), `inplace` (y += 1 against torch's version counter), `program`
(the calls after the graph: a second backward, .grad resets, autograd.grad), `hook_lists`
and `module_grad_hooks` (what a gradient hook stores, filled after each call as torch fills
it), `data_sets`, `data_loaders` and `own_datasets` (torch.utils.data over tensors in
memory, and a Dataset class of the snippet's own) and `reader` (backward calls). `tables`
holds the spellings, `values` the kinds of value.
"""
