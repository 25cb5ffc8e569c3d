"""`python -m trainer {dataset,train,evaluate,feel-train,feel-evaluate}`."""

from __future__ import annotations

import argparse
import sys

from trainer import cli_dataset, cli_evaluate, cli_feel, cli_train


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    cli_dataset.add_parser(sub)
    cli_train.add_parser(sub)
    cli_evaluate.add_parser(sub)
    cli_feel.add_parser(sub)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
