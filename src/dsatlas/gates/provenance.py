"""Gate `provenance`: every figure says where in its source it stands, how old it is, and how it was
computed; every page shows at least one figure an operator can act on (contract v2)."""

from __future__ import annotations

import ast
import operator
import re

from ..diagram import plain_text
from ..model import figure_is_historical
from .base import PageContext, Rule

NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
# Unit conversions a formula may use without a figure of their own: percent, thousands, time, bytes.
CONVERSIONS = frozenset({100.0, 1000.0, 60.0, 3600.0, 24.0, 7.0, 365.0, 1024.0})
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}

RULES = [
    Rule("ATL306", "provenance", "no operator figure on the page",
         "What: at least one figure carries `operator:` (limit, normal, failing, duration, rto, rpo, capacity,\n"
         "threshold): a number an action or an alert rests on.\n"
         "Why: years, counts and revenue do not help at 3 AM; a limit or a normal-versus-failing value does.\n"
         "Example: a page whose only figures are founding years.\n"
         "Fix: draw the limit, step duration or capacity the failure modes depend on, and mark it."),
    Rule("ATL307", "provenance", "figure without a locator",
         "What: every A or B figure has `locator:` — section heading, table row, timeline entry or slide.\n"
         "Why: a reviewer must find the number in the source in a minute, not reread the whole post.\n"
         "Example: confidence A, no locator.\nFix: add where in the source it stands (no copied sentences)."),
    Rule("ATL308", "provenance", "old figure without its year on the diagram",
         "What: a figure more than 3 years older than the page's `as_of` shows its year on its label (pages of\n"
         "historical kinds, such as incidents and scale-evolution, draw the past on purpose and are exempt).\n"
         "Why: a 2014 node count on a 2024 page reads as today's size.\n"
         "Example: '2,500 nodes' from 2014 on a page as of 2024.\n"
         "Fix: label it '2,500 nodes (2014)', or find a newer figure."),
    Rule("ATL309", "provenance", "composite figure that does not add up",
         "What: a figure with `formula:` (a sum, difference, product or ratio of numbers from other figures on\n"
         "the page) equals its formula, takes every operand from another declared figure (unit conversions\n"
         "100, 1000, 60, 3600, 24, 7, 365 and 1024 excepted), and is not A.\n"
         "Why: '7 minutes end to end' over parts that sum to 9 is a wrong number someone will quote.\n"
         "Example: label '7 min', formula '2 + 4 + 3'.\nFix: correct the label or the formula; use B."),
]


def check(ctx: PageContext) -> None:
    meta = ctx.page.meta
    if meta is None:
        return
    if not any(figure.operator for figure in meta.figures):
        where = ("figures",) if meta.figures else ("title",)
        ctx.at_key("ATL306", "no figure is marked `operator:`: declare the limit, normal-versus-failing value, "
                   "step duration, RTO/RPO or capacity an action rests on", *where)
    for index, figure in enumerate(meta.figures):
        if figure.confidence in ("A", "B") and not figure.locator:
            ctx.at_key("ATL307", f"figure {figure.label!r} needs a `locator`: where in {figure.source!r} it "
                       "stands", "figures", index)
        year = figure.as_of[:4]
        if not ctx.profile.historical and figure_is_historical(figure.as_of, meta.as_of) and year not in figure.label:
            ctx.at_key("ATL308", f"figure {figure.label!r} is from {figure.as_of}, more than 3 years before the "
                       f"page's as_of {meta.as_of}: show '{year}' on its label", "figures", index, "label")
        if figure.formula is not None:
            problem = _formula_problem(figure.label, figure.formula, figure.confidence,
                                       [other.label for other in meta.figures if other is not figure])
            if problem:
                ctx.at_key("ATL309", f"figure {figure.label!r}: {problem}", "figures", index, "formula")


def _formula_problem(label: str, formula: str, confidence: str, others: list[str]) -> str | None:
    try:
        tree = ast.parse(formula, mode="eval")
        value = _evaluate(tree.body)
    except (SyntaxError, ValueError, ZeroDivisionError) as err:
        return f"formula {formula!r} is not arithmetic over numbers ({err})"
    numbers = NUMBER_RE.findall(plain_text(label))
    if not numbers:
        return "a composite label needs a number"
    shown = numbers[0].replace(",", "")
    decimals = len(shown.split(".", 1)[1]) if "." in shown else 0
    if round(value, decimals) != float(shown):
        return f"formula {formula!r} gives {round(value, decimals):g}, but the label shows {shown}"
    known = {value for other in others for number in NUMBER_RE.findall(plain_text(other))
             if (value := _number(number)) is not None}
    missing = [f"{operand:g}" for operand in _operands(tree.body) if operand not in known | CONVERSIONS]
    if missing:
        return f"operand(s) {', '.join(missing)} are on no other declared figure: declare them"
    if confidence == "A":
        return "a computed figure is confidence B at best"
    return None


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    raise ValueError("only numbers (no thousands separators: 1500, not 1,500), + - * / and parentheses")


def _number(text: str) -> float | None:
    """'1,000' and '39.0' as numbers, so an operand matches however the label writes it; None for what is
    not one number (a version such as '1.0.0')."""
    plain = text.replace(",", "") if text.count(",") != 1 or len(text.split(",")[1]) == 3 else text.replace(",", ".")
    try:
        return float(plain)
    except ValueError:
        return None


def _operands(node: ast.AST) -> list[float]:
    if isinstance(node, ast.Constant):
        return [float(node.value)]
    if isinstance(node, ast.BinOp):
        return _operands(node.left) + _operands(node.right)
    return []
