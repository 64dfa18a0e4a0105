"""Read-only panels that show the latest run: Jacobian lens, explanation, graph description
and the error banner."""
