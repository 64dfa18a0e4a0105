"""tqdm.autonotebook: the same stand-in bar (see __init__.py)."""

from tqdm import tqdm, trange

__all__ = ["tqdm", "trange"]
