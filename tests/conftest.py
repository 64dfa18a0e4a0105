import os

# Every test runs headless; a developer's DISPLAY must not leak in.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
