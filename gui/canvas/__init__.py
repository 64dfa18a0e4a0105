"""The graph editor: scene, view, node/port/edge items, palette, inspector, and the undoable
editing commands that change the document through its API."""
