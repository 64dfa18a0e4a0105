"""PyTorch code ↔ documents: read a pasted snippet into a graph (never running it) and
write any graph back as a runnable snippet.

`reader.import_snippet` is the way in, `codegen.generate` the way out; `safety` is the pass
that refuses anything reaching outside torch, `expressions` and `tables` are the reader's
halves for expressions and torch spellings.
"""
