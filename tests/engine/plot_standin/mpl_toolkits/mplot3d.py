"""The stand-in's 3-D axes (see matplotlib/__init__.py): everything in it draws nothing."""

from matplotlib.pyplot import __getattr__  # noqa: F401 - any name gives a Drawing
