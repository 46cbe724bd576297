"""YAML with positions: load a document and find the file line of any key path.

Pydantic reports an error at a key path such as ('figures', 2, 'source'); authors need the line in the
file. We compose the YAML node tree once and walk it along that path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_Base):
    """Safe YAML where dates and timestamps stay strings: the schema parses them and can then say which
    key holds an impossible date such as 2023-02-30 (YAML's own constructor would just raise)."""

    yaml_implicit_resolvers = {
        first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _Base.yaml_implicit_resolvers.items()
    }


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int, col: int):
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


@dataclass(frozen=True)
class DuplicateKey:
    key: str
    line: int  # file line and column of the second (or later) occurrence
    col: int
    first_line: int


@dataclass
class PositionedYaml:
    data: object
    root: yaml.Node | None
    line_offset: int  # file line of the document's first line, minus one
    duplicates: list[DuplicateKey] = field(default_factory=list)  # PyYAML silently keeps the last one

    def locate(self, loc: tuple) -> tuple[int, int]:
        """Return the 1-based (line, col) in the file of the deepest node on `loc` that exists."""
        node = self.root
        best = node
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                match = next(((k, v) for k, v in node.value if k.value == str(part)), None)
                if match is None:
                    break
                best, node = match[0], match[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                best = node
            else:
                break
        if best is None:
            return self.line_offset + 1, 1
        return self.line_offset + best.start_mark.line + 1, best.start_mark.column + 1


def load_yaml(text: str, line_offset: int = 0) -> PositionedYaml:
    """Parse one YAML document; syntax errors carry the file line (line_offset added)."""
    try:
        loader = Loader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = line_offset + (mark.line + 1 if mark else 1)
        col = mark.column + 1 if mark else 1
        problem = err.problem or err.context or "invalid YAML"
        raise YamlSyntaxError(f"YAML syntax error: {problem}", line, col) from None
    except (yaml.YAMLError, ValueError, TypeError) as err:
        raise YamlSyntaxError(f"YAML error: {err}", line_offset + 1, 1) from None
    return PositionedYaml(data, root, line_offset, _duplicate_keys(root, line_offset))


def _duplicate_keys(root: yaml.Node | None, line_offset: int) -> list[DuplicateKey]:
    """Every key that repeats an earlier key of the same mapping, at any depth (anchors walked once)."""
    found: list[DuplicateKey] = []
    stack = [root] if root is not None else []
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], yaml.Node] = {}
            for key, value in node.value:
                stack.append(value)
                if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                    continue
                earlier = first.setdefault((key.tag, key.value), key)
                if earlier is not key:
                    found.append(DuplicateKey(key.value, line_offset + key.start_mark.line + 1,
                                              key.start_mark.column + 1, line_offset + earlier.start_mark.line + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(found, key=lambda dup: (dup.line, dup.col))
