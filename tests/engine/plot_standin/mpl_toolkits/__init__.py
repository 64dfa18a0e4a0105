"""The stand-in's mpl_toolkits (matplotlib's add-on axes; see matplotlib/__init__.py)."""
