"""Jinja's environment with the output of `{{ ... }}` escaped as plain text.

With autoescaping, Jinja passes every value a template writes through markupsafe's `escape`, which
escapes it (in C) and then makes a `Markup` of the result, in Python: at 10,000 articles that is 4.5
million values and a tenth of drawing every page. A value written out is joined into the page and
never used again, so it need not be marked safe: the code generator below writes it through
`output_escape`, the same escaping function on the same text, giving a plain string. Output captured
as a value (`{% set %}` blocks, macros, `caller()`) is still made `Markup` by Jinja's own code, and
every value Jinja marks safe or escapes elsewhere (filters, attributes) is untouched. Only the code
templates compile to changes; `tests/test_templates.py` compares every page with Jinja's own output.
"""

from __future__ import annotations

from typing import Any

import jinja2
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Expr
from markupsafe import escape

try:  # markupsafe's escaping function itself, without the `Markup` around its result
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover - markupsafe without its C extension (or a later layout)
    def _escape_inner(text: str, /) -> str:
        return str(escape(text))


def output_escape(value: Any) -> str:
    """The text `markupsafe.escape(value)` gives, as a plain string."""
    if type(value) is str:
        return _escape_inner(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        return str(html())
    return _escape_inner(str(value))


class _OutputCodeGenerator(CodeGenerator):
    def _output_child_pre(self, node: Expr, frame: Frame, finalize: Any) -> None:
        # Where autoescaping is known when compiling (not inside `{% autoescape %}` blocks, which Jinja
        # decides at run time), `escape(` becomes `environment.output_escape(`.
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.output_escape(")
        if finalize.src is not None:
            self.write(finalize.src)


class OutputEscapingEnvironment(jinja2.Environment):
    """`jinja2.Environment` whose templates write escaped values as plain strings (see above)."""

    code_generator_class = _OutputCodeGenerator
    output_escape = staticmethod(output_escape)
