"""The stand-in's matplotlib.gridspec (see __init__.py): everything in it draws nothing."""

from matplotlib.pyplot import __getattr__  # noqa: F401 - any name gives a Drawing
