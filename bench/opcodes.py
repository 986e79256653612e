"""Where the helpdesk's own Python work goes, counted in bytecode instructions.

`--only instructions` counts what a message costs with Valgrind, but Valgrind sees only the
interpreter's C functions (`_PyEval_EvalFrameDefault` and the like), not which Python code
made them run. This runs the same helpdesk probe (whole intakes over HTTP, the relay
stopped) in this process, with a tracer counting each bytecode instruction executed while
the load runs against the functions on the stack at that moment: each function's own count,
and its count with everything it called. Bytecodes are not machine instructions (a call into
C counts as one), but they rank the Python code the same way and do not drift with the
machine, so a change shows in the counts run to run.

`python -m bench.opcodes [--reporters 50] [--top 40]` (~1 minute for 50 reporters: tracing
every instruction is slow; the figures are a message's average).
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

from bench.common import ROOT

Tracer = Callable[[FrameType, str, Any], Any]


class OpcodeCount:
    """A tracer (`sys.settrace`) counting bytecodes by the stack of functions they ran in."""

    def __init__(self) -> None:
        self.stacks: Counter[tuple[CodeType, ...]] = Counter()
        # What was running when the tracing began (the event loop, what started the load):
        # on nearly every stack, and not what is measured.
        self.outer: set[CodeType] | None = None

    def trace(self, frame: FrameType, event: str, _arg: Any) -> Tracer:
        if self.outer is None:
            self.outer = set(_stack(frame.f_back))
        if event == "call":
            frame.f_trace_opcodes = True
            frame.f_trace_lines = False
        elif event == "opcode":
            self.stacks[_stack(frame)] += 1
        return self.trace

    def by_function(self) -> tuple[Counter[str], Counter[str], int]:
        """Each function's own count and its count with its callees, and the total."""
        own: Counter[str] = Counter()
        inclusive: Counter[str] = Counter()
        outer = self.outer or set()
        for stack, count in self.stacks.items():
            own[name(stack[0])] += count
            for function in {name(code) for code in stack if code not in outer}:
                inclusive[function] += count
        return own, inclusive, sum(self.stacks.values())


def _stack(frame: FrameType | None) -> tuple[CodeType, ...]:
    """The functions running, innermost first."""
    codes = []
    while frame is not None:
        codes.append(frame.f_code)
        frame = frame.f_back
    return tuple(codes)


@functools.cache
def name(code: CodeType) -> str:
    """`package/module.py:line(qualified name)`: the path from where it is imported."""
    path = code.co_filename
    prefixes = [f"{ROOT}/", *(f"{entry}/" for entry in sys.path if entry)]
    prefix = max((p for p in prefixes if path.startswith(p)), key=len, default="")
    return f"{path[len(prefix) :]}:{code.co_firstlineno}({code.co_qualname})"


def count(reporters: int) -> tuple[OpcodeCount, int]:
    """The helpdesk probe with `reporters` whole intakes, traced; and its messages."""
    from bench.inbound import MESSAGES_PER_REPORTER, updates_for
    from bench.instructions import served
    from bot import server

    counted = OpcodeCount()
    conversations = updates_for(1_000_000, reporters, iter(range(1, 10**9)))
    with tempfile.TemporaryDirectory(prefix="mukta-bench-opcodes-") as tmp:
        server.run(served("helpdesk", conversations, Path(tmp), tracer=counted.trace))
    return counted, reporters * MESSAGES_PER_REPORTER


def report(counted: OpcodeCount, messages: int, top: int) -> str:
    own, inclusive, total = counted.by_function()
    lines = [f"bytecodes a message: {total / messages:,.0f} ({messages} messages)"]
    for title, counts in (("with what it calls", inclusive), ("itself", own)):
        lines.append(f"\n-- each function, {title} (a message's average, share of the total)")
        lines += [
            f"{number / messages:9,.0f} {100 * number / total:5.1f}%  {function}"
            for function, number in counts.most_common(top)
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.opcodes", description=__doc__)
    parser.add_argument("--reporters", type=int, default=50, help="whole intakes (default 50)")
    parser.add_argument("--top", type=int, default=40, help="functions listed (default 40)")
    options = parser.parse_args(argv)
    counted, messages = count(options.reporters)
    print(report(counted, messages, options.top))


if __name__ == "__main__":
    main()
