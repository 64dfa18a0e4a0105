"""Files and what the app remembers: open/save/recent, dirtiness, crash recovery, settings,
theme, and image export (dialog and headless CLI)."""
