"""Reading scenario files: safe YAML, line numbers, ``extends`` and error messages.

A file is composed into a YAML node tree (safe tags only, bounded size, depth and alias
use), turned into plain data plus a map from each value's path to the file and line it is
written on, merged with its ``extends`` parents, and validated by
:class:`~supplysim.scenario.schema.Scenario`. Any problem becomes one
:class:`~supplysim.errors.ScenarioError` naming file, line and field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from supplysim.errors import ScenarioError
from supplysim.model.vocabulary import Vocabulary
from supplysim.scenario.distributions import BOOL_HINT, describe
from supplysim.scenario.schema import Scenario, explain, unknown_key, unknown_name

__all__ = ["find_named", "known_names", "read_path", "read_text", "resolve", "validate"]

MAX_BYTES = 1 << 20  # largest scenario file [bytes]
MAX_DEPTH = 32  # deepest nesting of mappings and lists
MAX_ALIASES = 100  # most uses of YAML aliases in one file
MAX_VALUES = 100_000  # most values after expanding aliases
MAX_EXTENDS = 16  # longest extends chain [files]
DOC = "(document)"
TOP_KEYS = ("name", "description", "extends", "horizon", "demand_growth", "outages", "demand_response",
            "policies")
TOP_KEYS += ("remove_policies",)
TOP_KEYS += ("minerals",)
_Y = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_Y + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
NAME = re.compile(r"[A-Za-z0-9_\-]+")  # a scenario name; anything else is a path

Path_ = tuple[Any, ...]


@dataclass
class _Doc:
    """Plain data of one (possibly merged) file, and where each value is written."""

    file: str
    data: dict[str, Any]
    src: dict[Path_, tuple[str, int, int]] = field(default_factory=dict)  # file, line, key line


class _SafeLimitedLoader(yaml.SafeLoader):
    """Safe loader that stops at too deep nesting and too many aliases."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file, self.depth, self.aliases = file, 0, 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # noqa: D102
        line = self.peek_event().start_mark.line + 1
        self.aliases += self.check_event(AliasEvent)
        if self.aliases > MAX_ALIASES:
            text = f"expected at most {MAX_ALIASES} uses of YAML aliases, got more"
            raise ScenarioError(self.file, line, DOC, text)
        nested = self.check_event(MappingStartEvent, SequenceStartEvent)
        self.depth += nested
        try:
            if self.depth > MAX_DEPTH:
                text = f"expected nesting at most {MAX_DEPTH} deep, got deeper"
                raise ScenarioError(self.file, line, DOC, text)
            return super().compose_node(parent, index)
        finally:
            self.depth -= nested


def field_name(path: Path_) -> str:
    """Format a path like ``('policies', 2, 'approval_prob')`` as ``policies[2].approval_prob``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or DOC


def _compose(text: str, file: str) -> tuple[Node | None, yaml.SafeLoader]:
    """Compose ``text`` into a node tree, turning YAML problems into ScenarioError."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise ScenarioError(file, 1, DOC, f"expected a file of at most 1 MiB, got {size} bytes")
    loader = None
    try:
        loader = _SafeLimitedLoader(text, file)
        return loader.get_single_node(), loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        position = getattr(exc, "position", 0) or 0  # a reader error has no mark
        line = mark.line + 1 if mark is not None else text.count("\n", 0, position) + 1
        parts = [getattr(exc, k, None) for k in ("context", "problem", "reason")]
        detail = " ".join(p for p in parts if isinstance(p, str)) or str(exc)
        raise ScenarioError(file, line, DOC, f"expected valid YAML; {detail}") from None
    finally:
        if loader is not None:
            loader.dispose()


class _Builder:
    """Turns a node tree into plain data, recording the line of every value."""

    def __init__(self, loader: yaml.SafeLoader, file: str) -> None:
        self.loader, self.file, self.count = loader, file, 0
        self.src: dict[Path_, tuple[str, int, int]] = {}

    def fail(self, line: int, path: Path_, text: str) -> ScenarioError:
        """Return the error for a value at ``line``."""
        return ScenarioError(self.file, line, field_name(path), text)

    def build(self, node: Node, path: Path_, key_line: int) -> Any:
        """Return the plain value of ``node`` written at ``path``."""
        line = node.start_mark.line + 1
        self.count += 1
        if self.count > MAX_VALUES:
            text = f"expected at most {MAX_VALUES} values, aliases expand to more"
            raise self.fail(line, path, text)
        if isinstance(node, ScalarNode) and node.value == "" and node.style is None:
            line = key_line  # an empty value: point at its key
        self.src[path] = (self.file, line, key_line)
        if isinstance(node, MappingNode) and node.tag == _Y + "map":
            return self.mapping(node, path)
        if isinstance(node, SequenceNode) and node.tag == _Y + "seq":
            items = enumerate(node.value)
            return [self.build(v, path + (i,), v.start_mark.line + 1) for i, v in items]
        if isinstance(node, ScalarNode) and node.tag in _SCALAR_TAGS:
            return self.scalar(node, line, path)
        if isinstance(node, ScalarNode) and node.tag == _Y + "value":
            return node.value
        tag = node.tag.replace(_Y, "!!")
        raise self.fail(line, path, f"expected plain data (safe loading only), got the tag {tag!r}")

    def mapping(self, node: MappingNode, path: Path_) -> dict[str, Any]:
        """Return the dict of a mapping node; keys must be unique strings."""
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            key = self.key(key_node, path, key_line)
            if key in out:
                raise self.fail(key_line, path + (key,), f"expected unique keys, got {key!r} twice")
            out[key] = self.build(value_node, path + (key,), key_line)
        return out

    def key(self, node: Node, path: Path_, line: int) -> str:
        """Return a mapping key, which must be a plain string."""
        if isinstance(node, ScalarNode) and node.tag == _Y + "str":
            return node.value
        if node.tag == _Y + "merge":
            text = "expected plain keys, got a YAML merge key '<<'; use extends"
            raise self.fail(line, path, text)
        scalar = node.tag in _SCALAR_TAGS
        found = describe(self.scalar(node, line, path)) if scalar else "a mapping or list"
        hint = BOOL_HINT if node.tag == _Y + "bool" else ""
        raise self.fail(line, path, f"expected a string key, got {found}{hint}")

    def scalar(self, node: ScalarNode, line: int, path: Path_) -> Any:
        """Return the value of a scalar with a standard tag."""
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            raise self.fail(line, path, f"expected a valid value, got {node.value!r}") from None


def read_text(text: str, file: str) -> _Doc:
    """Parse one file into a :class:`_Doc` (no ``extends`` applied)."""
    node, loader = _compose(text, file)
    builder = _Builder(loader, file)
    data = None if node is None else builder.build(node, (), node.start_mark.line + 1)
    if data is None:
        raise ScenarioError(file, 1, DOC, "expected a mapping of scenario keys, got an empty file")
    if not isinstance(data, dict):
        text = f"expected a mapping of scenario keys, got {describe(data)}"
        raise ScenarioError(file, node.start_mark.line + 1, DOC, text)
    doc = _Doc(file, data, builder.src)
    _check_top(doc)
    return doc


def read_path(path: Path) -> _Doc:
    """Read and parse the file at ``path``."""
    file = str(path)
    try:
        size = path.stat().st_size
        raw = path.read_bytes() if size <= MAX_BYTES else b""
    except OSError as exc:
        raise ScenarioError(file, None, DOC, f"expected a readable file; {exc.strerror}") from None
    if size > MAX_BYTES:
        raise ScenarioError(file, 1, DOC, f"expected a file of at most 1 MiB, got {size} bytes")
    try:
        return read_text(raw.decode("utf-8-sig"), file)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(file, line, DOC, "expected UTF-8 text") from None


def _fail(doc: _Doc, path: Path_, text: str, key: bool = False) -> ScenarioError:
    """Return the error for the value at ``path`` of ``doc`` (or its key)."""
    file, line = _where(doc, path, key)
    return ScenarioError(file, line, field_name(path), text)


def _where(doc: _Doc, path: Path_, key: bool = False) -> tuple[str, int]:
    """File and line of ``path``, or of its closest written ancestor."""
    for end in range(len(path), -1, -1):
        if path[:end] in doc.src:
            file, line, key_line = doc.src[path[:end]]
            return file, key_line if key and end == len(path) else line
    return doc.file, 1


def _check_top(doc: _Doc) -> None:
    """Check the keys of one file that are consumed before validation."""
    for key in doc.data:
        if key not in TOP_KEYS:
            raise _fail(doc, (key,), unknown_key(key, TOP_KEYS), key=True)
    extends = doc.data.get("extends")
    if extends is not None and not (isinstance(extends, str) and extends.strip()):
        text = f"expected a scenario name or path, got {describe(extends)}"
        raise _fail(doc, ("extends",), text)
    removes = doc.data.get("remove_policies", [])
    if not isinstance(removes, list):
        text = f"expected a list of policy names, got {describe(removes)}"
        raise _fail(doc, ("remove_policies",), text)
    for index, name in enumerate(removes):
        if not isinstance(name, str):
            text = f"expected a policy name, got {describe(name)}"
            raise _fail(doc, ("remove_policies", index), text)
    seen: dict[str, int] = {}
    for index, (name, _, _) in enumerate(_items(doc)):
        if name in seen:
            text = f"expected unique policy names, got {name!r} again (also policies[{seen[name]}])"
            raise _fail(doc, ("policies", index, "name"), text)
        seen.update({name: index} if name is not None else {})


def _sub(src: dict[Path_, Any], prefix: Path_) -> dict[Path_, Any]:
    """Entries of ``src`` under ``prefix``, with paths relative to it."""
    n = len(prefix)
    return {p[n:]: v for p, v in src.items() if p[:n] == prefix}


def _put(src: dict[Path_, Any], prefix: Path_, sub: dict[Path_, Any]) -> None:
    """Replace the entries of ``src`` under ``prefix`` by ``sub``."""
    n = len(prefix)
    for p in [p for p in src if p[:n] == prefix]:
        del src[p]
    src.update({prefix + p: v for p, v in sub.items()})


def _merge(parent: _Doc, child: _Doc) -> _Doc:
    """Apply ``child`` on top of its resolved ``parent``."""
    skip = ("name", "description", "extends", "remove_policies", "policies")
    out = _Doc(child.file, {}, {(): child.src[()]})
    for key, value in parent.data.items():
        if key not in skip:
            out.data[key] = value
            _put(out.src, (key,), _sub(parent.src, (key,)))
    for key, value in child.data.items():
        if key in ("extends", "remove_policies", "policies"):
            continue
        old = out.data.get(key)
        both = isinstance(value, dict) and isinstance(old, dict)
        if both and key in ("horizon", "demand_growth"):
            out.data[key] = {**old, **value}
            for sub_key in value:
                _put(out.src, (key, sub_key), _sub(child.src, (key, sub_key)))
            out.src[(key,)] = child.src[(key,)]
        else:
            out.data[key] = value
            _put(out.src, (key,), _sub(child.src, (key,)))
    _merge_policies(parent, child, out)
    return out


def _merge_policies(parent: _Doc, child: _Doc, out: _Doc) -> None:
    """Inherited policies, minus ``remove_policies``, replaced or extended by the child's."""
    mine = child.data.get("policies")
    if "policies" in child.data and not isinstance(mine, list):
        out.data["policies"] = mine
        _put(out.src, ("policies",), _sub(child.src, ("policies",)))
        return
    items = _items(parent)
    for index, name in enumerate(child.data.get("remove_policies", [])):
        found = [i for i, (n, _, _) in enumerate(items) if n == name]
        if not found:
            known = [n for n, _, _ in items if isinstance(n, str)]
            text = unknown_name("inherited policy", name, known or ["(none)"])
            raise _fail(child, ("remove_policies", index), text)
        del items[found[0]]
    for name, value, src in _items(child):
        found = [i for i, (n, _, _) in enumerate(items) if name is not None and n == name]
        if found:
            items[found[0]] = (name, value, src)
        else:
            items.append((name, value, src))
    if "policies" in child.data or "policies" in parent.data:
        top = child.src.get(("policies",)) or parent.src[("policies",)]
        out.data["policies"] = [value for _, value, _ in items]
        _put(out.src, ("policies",), {(): top})
        for index, (_, _, src) in enumerate(items):
            _put(out.src, ("policies", index), src)


def _items(doc: _Doc) -> list[tuple[str | None, Any, dict[Path_, Any]]]:
    """(name, value, source map) of each policy of ``doc``."""
    policies = doc.data.get("policies")
    if not isinstance(policies, list):
        return []
    out = []
    for index, value in enumerate(policies):
        name = value.get("name") if isinstance(value, dict) else None
        name = name if isinstance(name, str) else None
        out.append((name, value, _sub(doc.src, ("policies", index))))
    return out


def known_names(search_dirs: Sequence[Path]) -> list[str]:
    """Names of the scenarios in ``search_dirs``."""
    return sorted({p.stem for d in search_dirs for p in Path(d).glob("*.yaml")})


def find_named(name: str, search_dirs: Sequence[Path]) -> Path | None:
    """The file ``<dir>/<name>.yaml`` in the first of ``search_dirs`` that has one."""
    for directory in search_dirs:
        candidate = Path(directory) / f"{name}.yaml"
        if candidate.is_file():
            return candidate
    return None


def _parent_path(doc: _Doc, search_dirs: Sequence[Path]) -> Path:
    """Resolve the ``extends`` of ``doc`` to a file."""
    ref = doc.data["extends"].strip()
    if NAME.fullmatch(ref):
        found = find_named(ref, search_dirs)
        if found is None:
            known = ", ".join(known_names(search_dirs)) or "(none)"
            raise _fail(doc, ("extends",), f"no scenario named {ref!r}; known: {known}")
        return found
    base = Path(doc.file).parent if not doc.file.startswith("<") else Path.cwd()
    found = base / ref
    if not found.is_file():
        raise _fail(doc, ("extends",), f"no scenario file {ref!r} (looked for {found})")
    return found


def resolve(
    doc: _Doc, search_dirs: Sequence[Path], chain: tuple[Path, ...]
) -> tuple[_Doc, tuple[str, ...]]:
    """Merge ``doc`` with its ``extends`` ancestors; return it with the lineage (root first)."""
    if doc.data.get("extends") is None:
        if doc.data.get("remove_policies"):
            text = "expected no remove_policies: nothing is inherited without extends"
            raise _fail(doc, ("remove_policies", 0), text)
        return doc, (doc.file,)
    path = _parent_path(doc, search_dirs)
    key = path.resolve()
    if key in chain:
        names = " -> ".join(p.name for p in chain[chain.index(key):] + (key,))
        raise _fail(doc, ("extends",), f"expected no extends cycle, got {names}")
    if len(chain) >= MAX_EXTENDS:
        raise _fail(doc, ("extends",), f"expected an extends chain of at most {MAX_EXTENDS} files")
    parent, lineage = resolve(read_path(path), search_dirs, chain + (key,))
    return _merge(parent, doc), lineage + (doc.file,)


def validate(doc: _Doc, vocab: Vocabulary, lineage: tuple[str, ...]) -> Scenario:
    """Validate merged data; the first error (file order, missing keys last) is raised."""
    data = {k: v for k, v in doc.data.items() if k not in ("extends", "remove_policies")}
    try:
        return Scenario.model_validate(
            {**data, "lineage": lineage, "file": doc.file}, context={"vocab": vocab}
        )
    except ValidationError as exc:
        errors = []
        for err in exc.errors(include_url=False):
            path, text, key = explain(err, doc.data)
            file, line = _where(doc, path, key)
            order = lineage.index(file) if file in lineage else len(lineage)
            late = err["type"] == "missing"  # often caused by a misspelt key, reported too
            errors.append((order, late, line, ScenarioError(file, line, field_name(path), text)))
        raise min(errors, key=lambda e: e[:3])[3] from None
