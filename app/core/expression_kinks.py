"""Where an expression has kinks: a kink of an activation, |u| at 0 or a tie of minimum/maximum,
reached by an argument that is affine in x, so the point is exact."""

from __future__ import annotations

from app.core.expression_tree import ActivationCall, Binary, Elementary, Negate, Node, Number, Power, Variable

Affine = tuple[float, float]  # a * x + b


def affine(node: Node) -> Affine | None:
    """(a, b) when ``node`` is a*x + b, else None."""
    if isinstance(node, Variable):
        return 1.0, 0.0
    if isinstance(node, Number):
        return 0.0, node.value
    if isinstance(node, Negate):
        inner = affine(node.operand)
        return None if inner is None else (-inner[0], -inner[1])
    if isinstance(node, Binary):
        left, right = affine(node.left), affine(node.right)
        if left is None or right is None:
            return None
        if node.op in "+-":
            sign = 1.0 if node.op == "+" else -1.0
            return left[0] + sign * right[0], left[1] + sign * right[1]
        if node.op == "*" and (left[0] == 0.0 or right[0] == 0.0):
            return left[0] * right[1] + right[0] * left[1], left[1] * right[1]
        if node.op == "/" and right[0] == 0.0 and right[1] != 0.0:
            return left[0] / right[1], left[1] / right[1]
        return None
    if isinstance(node, Power) and node.exponent == 1.0:
        return affine(node.base)
    return None


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Negate):
        return (node.operand,)
    if isinstance(node, Binary):
        return node.left, node.right
    if isinstance(node, Power):
        return (node.base,)
    if isinstance(node, Elementary):
        return node.args
    if isinstance(node, ActivationCall):
        return (node.arg,)
    return ()


def _where(arg: Affine | None, values: list[float]) -> list[float]:
    """The x at which a*x + b takes each value, when a is not 0."""
    if arg is None or arg[0] == 0.0:
        return []
    a, b = arg
    return [(value - b) / a for value in values]


def kink_points(tree: Node, x_min: float, x_max: float) -> list[float]:
    """Sorted x in [x_min, x_max] where some part of ``tree`` has a kink and its argument is affine in x."""
    found: set[float] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        stack.extend(_children(node))
        if isinstance(node, ActivationCall):
            found.update(_where(affine(node.arg), node.activation.kink_points(node.params)))
        elif isinstance(node, Elementary) and node.name == "abs":
            found.update(_where(affine(node.args[0]), [0.0]))
        elif isinstance(node, Elementary) and node.name in ("minimum", "maximum"):
            difference = Binary("-", node.args[0], node.args[1])
            found.update(_where(affine(difference), [0.0]))
    return sorted(x + 0.0 for x in found if x_min <= x <= x_max)  # + 0.0 turns -0.0 into 0.0
