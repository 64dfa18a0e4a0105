"""The `gradflow` entry point.

`compute` and `code` go to engine/cli.py without importing Qt, and so does `export -o X.html`
(engine/webpage/cli.py); other exports and the window need Qt. Torch is imported only after
the window has been painted.
"""

from __future__ import annotations

import sys

HEADLESS_COMMANDS = ("compute", "code")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in HEADLESS_COMMANDS:
        from engine.cli import main as cli_main

        return cli_main(args)
    if args and args[0] == "export":
        from engine.webpage.cli import wants_web_export

        if wants_web_export(args[1:]):  # -o OUT.html: the replay as a web page, no Qt
            from engine.webpage.cli import main as web_export

            return web_export(args[1:])
        from gui.launch import open_offscreen
        from gui.replay.animation_export import main as replay_export
        from gui.replay.animation_export import wants_replay_export

        if wants_replay_export(args[1:]):  # --step / --frames / --gif: the backward replay
            return replay_export(args[1:], open_offscreen)
        from gui.files.export_cli import main as export_main

        return export_main(args[1:], open_offscreen)
    from gui.launch import launch

    return launch(args)


if __name__ == "__main__":
    sys.exit(main())
