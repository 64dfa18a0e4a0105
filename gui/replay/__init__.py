"""The backward replay: animator, canvas overlay, transport and step list, autograd graph
view, and the replay's exports (frames, GIF)."""
