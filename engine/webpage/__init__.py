"""The backward replay as one self-contained web page (no Qt, no network)."""

from engine.webpage.page import replay_page, write_replay_page

__all__ = ["replay_page", "write_replay_page"]
