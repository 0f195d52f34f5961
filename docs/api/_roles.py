"""A griffe extension for the API reference (mkdocs.yml loads it; it is not part of the site).

mechopt's docstrings are prose with Sphinx roles (:class:`~mechopt.games.base.ContinuousGame`,
:func:`certify_nash`, :mod:`.witness`) and ``literals``.  mkdocstrings renders docstrings as
Markdown, where a role would show as ":class:" before a code span.  This extension resolves each
role's target in the docstring's scope (absolute, relative to the package with a leading dot,
or a name the module or class defines or imports) and replaces the role by an optional
cross-reference: a link where the target is rendered in the reference, plain code elsewhere.

A role whose target does not exist in the package is a broken reference: it is logged as a
warning, so ``mkdocs build --strict`` fails on it.
"""

from __future__ import annotations

import html
import re
from typing import Any

import griffe

logger = griffe.get_logger("mechopt.docs.roles")

ROLE = re.compile(r":(?:py:)?(class|func|meth|mod|attr|data|obj|exc|const):`(~?)([^`<>]+?)(?:\(\))?`")


def _exists(pkg: griffe.Module, path: str) -> bool:
    head, _, rest = path.partition(".")
    if head != pkg.name:
        return False
    obj: Any = pkg
    for part in rest.split(".") if rest else ():
        try:
            obj = obj.members[part]
        except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            return False
        if obj.is_alias:
            try:
                obj = obj.final_target
            except (griffe.AliasResolutionError, griffe.CyclicAliasError):
                return False
    return True


def _package_of(obj: griffe.Object) -> griffe.Object:
    module = obj.module
    return module if module.is_init_module else module.parent  # type: ignore[return-value]


def resolve(pkg: griffe.Module, obj: griffe.Object, target: str) -> str | None:
    """The full path of ``target`` as written in ``obj``'s docstring, or None."""
    if target.startswith(pkg.name + ".") or target == pkg.name:
        return target if _exists(pkg, target) else None
    if target.startswith("."):
        base = _package_of(obj)
        path = base.path + target
        return path if _exists(pkg, path) else None
    head, _, rest = target.partition(".")
    scope: griffe.Object | None = obj
    while scope is not None:
        try:
            path = scope.resolve(head)
        except (griffe.NameResolutionError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            path = None
        if path is not None:
            full = f"{path}.{rest}" if rest else path
            if _exists(pkg, full):
                return full
        scope = scope.parent
    return None


class SphinxRoles(griffe.Extension):
    """Turn Sphinx roles in docstrings into optional mkdocstrings cross-references."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.name != "mechopt":
            return
        self._walk(pkg, pkg, set())

    def _walk(self, pkg: griffe.Module, obj: griffe.Object, seen: set[str]) -> None:
        if obj.path in seen:
            return
        seen.add(obj.path)
        if obj.docstring is not None:
            obj.docstring.value = self._rewrite(pkg, obj, obj.docstring.value)
        for member in obj.members.values():
            if not member.is_alias:
                self._walk(pkg, member, seen)

    def _rewrite(self, pkg: griffe.Module, obj: griffe.Object, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            role, tilde, target = match.group(1), match.group(2), match.group(3).strip()
            shown = target.rsplit(".", 1)[-1] if tilde else target.lstrip(".")
            full = resolve(pkg, obj, target)
            if full is None:
                where = f"{obj.relative_filepath}:{obj.docstring.lineno}" if obj.docstring else obj.path
                logger.warning("%s: :%s:`%s%s` names nothing in the package", where, role, tilde, target)
                return f"<code>{html.escape(shown)}</code>"
            return (f'<autoref identifier="{html.escape(full)}" optional>'
                    f"<code>{html.escape(shown)}</code></autoref>")

        return ROLE.sub(replace, text)
