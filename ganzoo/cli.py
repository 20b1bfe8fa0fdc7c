"""The `ganzoo` command: list, info, sample (more subcommands arrive with their families).

Bad input exits with status 2 and one line on stderr that says what to do.
"""

import argparse
import json
import os
import sys


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    return value


def cmd_list(args):
    from ganzoo import zoo

    names = zoo.list_models(args.pattern)
    if not names:
        raise ValueError(f"No zoo entry matches {args.pattern!r}; `ganzoo list` shows them all.")
    entries = zoo.read_manifest()["models"]
    width = max(map(len, names))
    for name in names:
        print(f"{name:<{width}}  {entries[name]['family']:<8}  {entries[name]['dataset']['name']}")


def cmd_info(args):
    from ganzoo import zoo

    entry = zoo.get_entry(args.name)
    if args.json:
        print(json.dumps(entry, indent=2))
        return
    print(f"{args.name}: {entry['description']}")
    print(f"  family:   {entry['family']}  config: {json.dumps(entry['config'])}")
    print(f"  dataset:  {entry['dataset']['name']} ({entry['dataset']['license']})")
    print(f"  hub:      {entry['hub']['repo_id']}@{entry['hub']['revision']}")
    print(f"  recipe:   {entry['command']}")
    size = sum(f["size"] for f in entry["files"])
    print(f"  files:    {', '.join(f['path'] for f in entry['files'])} ({size / 1e6:.1f} MB)")
    for metric, record in entry["metrics"].items():
        print(f"  {metric}: {record['value']}  ({record['command']})")


def cmd_sample(args):
    import ganzoo
    from ganzoo import images

    if not args.output.lower().endswith(".png"):
        raise ValueError(f"--output must be a .png file, got {args.output!r}.")
    model = ganzoo.load(args.name, weights_dir=args.weights_dir)
    batch = model.sample(args.n, seed=args.seed)
    scale = args.scale or max(1, 128 // batch.shape[1])
    images.save_png(images.grid(batch), args.output, scale=scale)
    print(f"wrote {args.n} samples of {args.name} to {args.output}")


def build_parser():
    parser = argparse.ArgumentParser(prog="ganzoo", description="A model zoo of GANs with pretrained weights.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="list the zoo entries", description="List zoo entries.")
    p.add_argument("pattern", nargs="?", default="*", help="glob filter, e.g. 'dcgan*'")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("info", help="describe one entry", description="Describe one zoo entry.")
    p.add_argument("name")
    p.add_argument("--json", action="store_true", help="print the whole manifest entry as JSON")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("sample", help="write a grid of samples to PNG",
                       description="Sample images from a zoo entry into a PNG grid.")
    p.add_argument("name")
    p.add_argument("-n", type=_positive_int, default=16, help="number of images (default 16)")
    p.add_argument("-o", "--output", default="samples.png", help="PNG file to write")
    p.add_argument("--seed", type=_non_negative_int, default=None, help="same seed, same images")
    p.add_argument("--scale", type=_positive_int, default=None, help="enlarge each pixel (default: to ~128 px)")
    p.add_argument("--weights-dir", default=None, help="a local weights root holding NAME/")
    p.set_defaults(func=cmd_sample)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        args.func(args)
    except (ValueError, FileNotFoundError, OSError) as e:
        print(f"ganzoo: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
