"""python -m matching solve FILE|- [--time-limit SECONDS]: print the assignment as JSON.

Invalid input: exit status 2 and one line on standard error naming the field."""

import argparse
import json
import math
import os
import re
import sys

from matching.scenario import ScenarioError
from matching.solver import solve


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, like every other bad input
        print(f"usage: {message}", file=sys.stderr)
        sys.exit(2)


def main(argv=None) -> int:
    parser = _Parser(prog="python -m matching")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("solve", help="solve a scenario (shared/matching-contract.md)")
    run.add_argument("file", help="scenario JSON file, or - for standard input")
    run.add_argument("--time-limit", type=float, default=10.0)
    args = parser.parse_args(argv)
    if not (math.isfinite(args.time_limit) and args.time_limit > 0):
        print("--time-limit: must be > 0", file=sys.stderr)
        return 2
    try:
        text = sys.stdin.buffer.read() if args.file == "-" else open(args.file, "rb").read()
        text = text.decode("utf-8")
    except OSError as err:
        print(f"{args.file}: {err.strerror}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as err:
        print(f"scenario: not UTF-8 text (byte {err.start})", file=sys.stderr)
        return 2
    try:
        scenario = json.loads(text)
    except json.JSONDecodeError as err:
        print(f"scenario: not JSON (line {err.lineno}, column {err.colno}: {err.msg})", file=sys.stderr)
        return 2
    except RecursionError:
        print("scenario: nested too deeply", file=sys.stderr)
        return 2
    except ValueError as err:  # a number with more digits than Python converts
        print(f"scenario: unreadable number ({str(err).split(':')[0]})", file=sys.stderr)
        return 2
    lone = _lone_surrogate(scenario, "") if _ESCAPED_SURROGATE.search(text) else None
    if lone:  # "\ud800" in the JSON: valid JSON, but no text that UTF-8 (our output) can hold
        print(f"{lone}: must be valid Unicode text (a lone surrogate escape)", file=sys.stderr)
        return 2
    try:
        result = solve(scenario, time_limit_s=args.time_limit)
    except ScenarioError as err:
        print(str(err), file=sys.stderr)
        return 2
    if sys.stdout is None:  # started with standard output closed (>&-)
        print("stdout: closed, nowhere to write the assignment", file=sys.stderr)
        return 2
    try:
        json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (| head -c 0): say so once, no traceback at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("stdout: closed by the reader (broken pipe)", file=sys.stderr)
        return 2
    return 0


# A surrogate escape in the text; after decoding, only a lone one stays a surrogate (a pair becomes one
# character). Searched first so that the walk below runs only for such documents.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _lone_surrogate(value, path):
    """The path of the first key or string holding a lone surrogate (requests[0].id), or None."""
    if isinstance(value, str):
        return (path or "scenario") if any("\ud800" <= c <= "\udfff" for c in value) else None
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _lone_surrogate(item, f"{path}[{i}]")
            if found:
                return found
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if _lone_surrogate(key, ""):
                return f"{path or 'scenario'}: a key"
            found = _lone_surrogate(item, where)
            if found:
                return found
    return None


if __name__ == "__main__":
    sys.exit(main())
