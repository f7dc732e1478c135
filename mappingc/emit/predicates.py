"""Source filters as code: the `accepts_from_*` predicates of a generated module, as view models
that `module.py.j2` writes out as plain Python over mappingc.runtime.filters."""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field

from mappingc import ir
from mappingc.emit.literals import python_literal as _literal
from mappingc.sides import Side


@dataclass
class FilterNode:
    """A filter as code: `and`/`or` over operands, `not`, or a `test` calling a runtime helper
    on one field of the row (`negate` for `!=` and `ne`)."""

    kind: str
    operands: list[FilterNode] = field(default_factory=list)
    helper: str = ""
    key: str = ""
    literal: str = ""
    negate: bool = False


@dataclass
class PredicateView:
    function: str
    constant: str  # the module constant holding the filter as written
    side: str  # "finance and operations" | "Dataverse"
    filter_text: str | None
    expression: FilterNode | None


# (dialect, operator) → (helper in mappingc.runtime.filters, negated)
_FILTER_HELPERS = {
    ("finance_operations", "=="): ("xpp_equal", False),
    ("finance_operations", "="): ("xpp_equal", False),
    ("finance_operations", "!="): ("xpp_equal", True),
    ("finance_operations", "like"): ("xpp_like", False),
    ("odata", "eq"): ("odata_equal", False),
    ("odata", "ne"): ("odata_equal", True),
    ("odata", "startswith"): ("starts_with", False),
    ("odata", "endswith"): ("ends_with", False),
    ("odata", "contains"): ("contains", False),
    **{
        (dialect, op): (helper, False)
        for dialect, ops in (
            ("finance_operations", ("<", "<=", ">", ">=")),
            ("odata", ("lt", "le", "gt", "ge")),
        )
        for op, helper in zip(
            ops, ("less", "less_or_equal", "greater", "greater_or_equal"), strict=True
        )
    },
}


class Predicates:
    """Both predicates of a template, with the runtime helpers they call."""

    def __init__(self, template: ir.Template) -> None:
        self.template = template
        self.imports: set[str] = set()
        self.uses_decimal = False

    def views(self) -> list[PredicateView]:
        return [
            self.predicate(Side.FINANCE_OPERATIONS, self.template.source_filter),
            self.predicate(Side.DATAVERSE, self.template.reversed_filter),
        ]

    def predicate(self, side: Side, which: ir.Filter | None) -> PredicateView:
        function, constant = {
            Side.FINANCE_OPERATIONS: ("accepts_from_finance_operations", "SOURCE_FILTER"),
            Side.DATAVERSE: ("accepts_from_dataverse", "REVERSED_SOURCE_FILTER"),
        }[side]
        shown = side.prose
        if which is None:
            return PredicateView(function, constant, shown, None, None)
        return PredicateView(function, constant, shown, which.text, self.filter_node(side, which))

    def filter_node(self, side: Side, which: ir.Filter) -> FilterNode:
        def build(node: ir.Expression) -> FilterNode:
            if isinstance(node, ir.Logical):
                return FilterNode(node.operator, [build(o) for o in node.operands])
            if isinstance(node, ir.Negation):
                return FilterNode("not", [build(node.operand)])
            operator = node.function if isinstance(node, ir.FunctionCall) else node.operator
            helper, negate = _FILTER_HELPERS[(which.dialect, operator)]
            self.imports.add(helper)
            key = self.template.filter_field(side, node.field)
            assert key is not None, "checked by frontend.checks"
            value = node.literal
            if isinstance(value, decimal.Decimal):
                self.uses_decimal = True
            return FilterNode(
                "test", helper=helper, key=key, literal=_literal(value), negate=negate
            )

        return build(which.expression)
