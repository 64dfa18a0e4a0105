"""The options of `gradflow export` and what they ask for, without Qt.

One parser describes every export (so `gradflow export --help` lists them all); `export_kind`
says which writer a parsed command goes to: a picture of a view (PNG/SVG), the backward replay
(one step, every step, GIF or video), or the replay as a web page (.html, no Qt at all).
"""

from __future__ import annotations

import argparse
from pathlib import Path

EXPORT_VIEWS = ("window", "canvas", "chart", "jacobian")
IMAGE_SUFFIXES = (".png", ".svg")
WEB_SUFFIXES = (".html", ".htm")
GIF_SUFFIXES = (".gif",)
VIDEO_SUFFIXES = (".mp4", ".webm")
ALL_SUFFIXES = IMAGE_SUFFIXES + WEB_SUFFIXES + GIF_SUFFIXES + VIDEO_SUFFIXES


class ExportUsageError(Exception):
    """A combination of export options that does not make sense; exit 2 with this message."""


def add_export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="a graph file (.json) or a PyTorch snippet (.py)")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="OUT.png or OUT.svg: a picture of --view; OUT.html: the replay as one "
                        "web page (no Qt needed); OUT.gif, OUT.mp4 or OUT.webm: the replay "
                        "animated; with --step: the PNG of that step")
    p.add_argument("--view", choices=EXPORT_VIEWS, default="window",
                   help="what a PNG/SVG shows (default: window)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--scale", type=float, metavar="S",
                      help="PNG scale factor, e.g. 2 for slides (default 1; a picture over "
                           "the size limit is scaled down to fit)")
    size.add_argument("--width", type=int, metavar="PX", help="PNG width in pixels")
    p.add_argument("--gradient", action="append", metavar="[NAME=]LITERAL",
                   help="the gradient= of an output, as in `gradflow compute`")
    replay = p.add_mutually_exclusive_group()
    replay.add_argument("--step", type=int, metavar="K",
                        help="the replay after K events, as a PNG (-o OUT.png)")
    replay.add_argument("--frames", metavar="DIR",
                        help="the replay as one PNG per step into DIR")
    replay.add_argument("--gif", metavar="OUT.gif", help="the replay as an animated GIF")
    replay.add_argument("--video", metavar="OUT.mp4",
                        help="the replay as a video, one frame per step (.mp4 or .webm)")


def _suffix(path: str | None) -> str:
    return Path(path).suffix.lower() if path else ""


def export_kind(args: argparse.Namespace) -> str:
    """"image", "web", "step", "frames", "gif" or "video"; raises ExportUsageError.

    `-o OUT.gif` / `-o OUT.mp4` mean the same as `--gif OUT` / `--video OUT` (and set it)."""
    out = _suffix(args.output)
    if args.step is not None:
        if out != ".png":
            raise ExportUsageError("--step K needs -o OUT.png")
        return "step"
    if args.frames or args.gif or args.video:
        if args.output:
            raise ExportUsageError("-o is not used with --frames, --gif or --video "
                                   "(they name their own output)")
        if args.gif and _suffix(args.gif) != ".gif":
            raise ExportUsageError(f"--gif {args.gif}: the file name must end in .gif")
        if args.video and _suffix(args.video) not in VIDEO_SUFFIXES:
            raise ExportUsageError(f"--video {args.video}: the file name must end in "
                                   ".mp4 or .webm")
        return "frames" if args.frames else "gif" if args.gif else "video"
    if not args.output:
        raise ExportUsageError("say what to write: -o OUT.(png|svg|html|gif|mp4|webm), "
                               "--step K -o OUT.png, --frames DIR, --gif OUT.gif or "
                               "--video OUT.mp4")
    if out not in ALL_SUFFIXES:
        raise ExportUsageError(f"{Path(args.output).name}: the output must end in "
                               f"{', '.join(s for s in ALL_SUFFIXES if s != '.htm')}")
    if out in GIF_SUFFIXES:
        args.gif = args.output
        return "gif"
    if out in VIDEO_SUFFIXES:
        args.video = args.output
        return "video"
    return "web" if out in WEB_SUFFIXES else "image"
