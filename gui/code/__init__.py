"""PyTorch code in and out: the Code panel (document → snippet) and the import dialog
(snippet → document)."""
