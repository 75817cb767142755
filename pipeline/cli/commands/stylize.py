"""`stylebridge stylize`: run a model on an image, a folder of images, or a sequence of frames."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from pipeline.cli.commands.common import add_device
from pipeline.inference.files import load_stylizer, stylize_image, stylize_sequence
from pipeline.inference.video import require_video_writer

log = logging.getLogger(__name__)


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "stylize",
        help="stylize an image, a folder of images or a sequence of frames",
        description=(
            "Run a model on INPUT (an image, or a folder tree of images such as a sequence of frames) and write the "
            "result to OUT (a file, or a folder that mirrors INPUT's names as .png). Any image size works, down to "
            "1x1: inputs are padded to the model's size multiple and minimum size and cropped back (a model exported "
            "with --static takes only its own size). A folder is taken in natural order (frame_2 before frame_10), "
            "batched, on the GPU in fp16 where there is one; frames already in OUT are skipped, so an interrupted run "
            "resumes. The frames per second are reported."
        ),
    )
    parser.add_argument(
        "model",
        metavar="MODEL",
        help="a checkpoint (stylebridge, pytorch/examples, tutorial, few-shot GeneratorJ) or an exported .onnx",
    )
    parser.add_argument("input", metavar="INPUT", help="an image or a folder")
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help="output image or folder")
    add_device(parser)
    parser.add_argument("--batch-size", type=int, default=8, help="frames per batch (PyTorch models)")
    parser.add_argument("--no-fp16", dest="fp16", action="store_false", help="full precision on a GPU")
    parser.add_argument("--no-resume", dest="resume", action="store_false", help="redo frames already in OUT")
    parser.add_argument(
        "--guides", nargs="+", default=[], metavar="DIR", help="per-frame guide folders, for a model trained with them"
    )
    parser.add_argument("--video", metavar="FILE", help="also write the stylized sequence as .mp4 (needs PyAV) or .gif")
    parser.add_argument("--fps", type=float, default=30.0, help="frame rate of --video")
    parser.add_argument(
        "--trust-pickle",
        action="store_true",
        help="load a whole pickled module (the few-shot authors' model_*.pth); unpickling runs code",
    )
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.video:
        require_video_writer(args.video)  # before loading anything
    stylizer = load_stylizer(args.model, args.device, half=args.fp16, trust_pickle=args.trust_pickle)
    if Path(args.input).is_file():
        log.info("wrote %s", stylize_image(stylizer, args.input, args.output))
        return 0
    result = stylize_sequence(
        stylizer,
        args.input,
        args.output,
        batch_size=args.batch_size,
        guides=args.guides,
        resume=args.resume,
        video=args.video,
        fps=args.fps,
        progress=args.progress,
    )
    log.info(
        "stylized %d frames in %.1f s (%.1f fps)%s into %s",
        result.stylized,
        result.seconds,
        result.frames_per_second,
        f", kept {result.kept} from an earlier run" if result.kept else "",
        args.output,
    )
    if result.video:
        log.info("wrote the video %s", result.video)
    return 0
