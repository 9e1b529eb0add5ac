"""Make the sites the benchmarks build, each in a folder of its own with `mkdocs.yml`, `docs/`, `bib/`.

A *variant* is the article built three ways: `full` (the project's own configuration), `floor` (the
same pages with citations and generated-list commands stripped, bibtex plugin and hook off: a bare
Material build) and `peer` (mkdocs-bibtex's per-page footnotes with the vendored NLM CSL style, no
hook). A *synthetic* site is the article repeated `scale` times with keys remapped to new keys
(pages, citations and references all multiplied), optionally with extra references cited on the
content pages until the bibliography holds a given number of entries.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from citesite.bib import entry_sources
from citesite.citations import find_citations, replace_citations

VARIANTS = ("floor", "full", "peer")
"""Build variants of the article, in the order the build benchmark alternates them."""
PEER_CSL = "bib/nlm-citation-sequence.csl"
"""The independent CSL style the peer formats with (vendored; see its header)."""
GENERATED_LISTS = ("\\full_bibliography", "\\concordance", "\\key_figures")
"""Command lines the hook replaces with generated HTML; the floor drops them all."""
SINGLE_PAGES = {"references.md": "\\full_bibliography", "notes.md": "\\concordance"}
"""Pages whose generated list a synthetic site keeps only once (in the original copy)."""

_COMMAND_LINE = re.compile(r"^[ \t]*\\(?:full_bibliography|concordance|key_figures)[ \t]*\n?", re.MULTILINE)
_KEY_IN_BLOCK = re.compile(r"(?<=@)([\w](?:[\w:.#$%&+?<>~/-]*[\w])?)")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?\n)---[ \t]*\n", re.DOTALL)
_BIB_ENTRY = re.compile(r"^@(?P<type>\w+)\s*\{\s*(?P<key>[^,\s]+)\s*,", re.MULTILINE)


@dataclass(frozen=True)
class Site:
    """A site ready to build: run mkdocs in `root` with `root/mkdocs.yml`."""

    name: str
    """Label used in the report (`full`, `x10`, ...)."""
    root: Path
    """Folder holding `mkdocs.yml`, `docs/` and `bib/`."""
    pages: int
    """Markdown pages in the nav."""
    citations: int
    """Citation blocks in the pages (missing-reference markers included)."""
    references: int
    """Entries in `bib/references.bib`."""
    keep_cache: bool = True
    """False: every build starts without `.cache/` (the parsed `.bib`), as the first build of a clone does."""


class _Tagged:
    """A YAML node with a tag the safe loader does not know (`!ENV`, `!!python/name:`), kept as written."""

    def __init__(self, tag: str, value: Any) -> None:
        self.tag, self.value = tag, value


class _Loader(yaml.SafeLoader):
    pass


class _Dumper(yaml.SafeDumper):
    pass


def _construct_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> _Tagged:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return _Tagged(node.tag, value)


def _represent_tagged(dumper: yaml.SafeDumper, data: _Tagged) -> yaml.Node:
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    return dumper.represent_scalar(data.tag, str(data.value))


_Loader.add_multi_constructor("!", _construct_tagged)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _construct_tagged)
_Dumper.add_representer(_Tagged, _represent_tagged)


def load_config(path: Path) -> dict[str, Any]:
    """The project's `mkdocs.yml` as plain data (unknown tags kept for writing back)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)


def write_config(config: Mapping[str, Any], path: Path) -> None:
    """Write a configuration made by `load_config` and edited."""
    path.write_text(yaml.dump(dict(config), Dumper=_Dumper, sort_keys=False, allow_unicode=True), encoding="utf-8")


def strip_citations(markdown: str) -> str:
    """The page without `[@...]` blocks (and markers), without generated-list command lines."""
    markdown = replace_citations(markdown, find_citations(markdown), lambda block: "")
    return _COMMAND_LINE.sub("", markdown)


def strip_commands(markdown: str, commands: tuple[str, ...]) -> str:
    """The page without the lines holding exactly one of `commands`."""
    for command in commands:
        markdown = re.sub(rf"^[ \t]*{re.escape(command)}[ \t]*\n?", "", markdown, flags=re.MULTILINE)
    return markdown


def strip_missing_markers(markdown: str) -> str:
    """The page without `[@?N]` markers (mkdocs-bibtex has no such thing)."""
    blocks = [block for block in find_citations(markdown) if block.missing is not None]
    return replace_citations(markdown, blocks, lambda block: "")


def remap_keys(markdown: str, rename: Callable[[str], str]) -> str:
    """The page with every cited key renamed; markers, prefixes and locators kept."""
    def render(block: Any) -> str:
        body = markdown[block.start + 1 : block.end - 1]
        if block.missing is not None:
            return f"[{body}]"
        return "[" + _KEY_IN_BLOCK.sub(lambda match: rename(match.group(1)), body) + "]"

    return replace_citations(markdown, find_citations(markdown), render)


def nav_files(nav: Any) -> list[tuple[str, str]]:
    """(title, file) of every page in a nav, in reading order."""
    found: list[tuple[str, str]] = []
    for item in nav or []:
        if isinstance(item, str):
            found.append((item, item))
        elif isinstance(item, dict):
            for title, value in item.items():
                if isinstance(value, str):
                    found.append((title, value))
                else:
                    found.extend(nav_files(value))
    return found


def make_variant(project: Path, variant: str, target: Path) -> Site:
    """The article as `floor`, `full` or `peer` in `target` (created anew)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {', '.join(VARIANTS)}")
    config = _base_config(project)
    transform: Callable[[str], str]
    if variant == "floor":
        _make_floor(config)
        transform = strip_citations
    elif variant == "peer":
        config.pop("hooks", None)
        # The site does not load the bibtex plugin (its hook renders citations): the peer adds it.
        plugins = [plugin for plugin in config.get("plugins", []) if _plugin_name(plugin) != "bibtex"]
        config["plugins"] = [*plugins, _peer_bibtex({"bibtex": {"bib_file": "bib/references.bib"}})]
        # mkdocs-bibtex writes Markdown footnotes, so it needs `footnotes`; pandoc writes page
        # ranges as `--`, which only `smarty` turns into the en dash the style asks for.
        extensions = list(config.get("markdown_extensions", []))
        names = {_plugin_name(extension) for extension in extensions}
        extensions += [name for name in ("footnotes", "smarty") if name not in names]
        config["markdown_extensions"] = extensions
        transform = lambda text: strip_missing_markers(strip_commands(text, ("\\concordance", "\\key_figures")))  # noqa: E731
    else:
        transform = lambda text: text  # noqa: E731
    _prepare_target(project, target)
    citations = 0
    for path in sorted((project / "docs").rglob("*.md")):
        relative = path.relative_to(project / "docs")
        text = path.read_text(encoding="utf-8")
        citations += len(find_citations(text))
        (target / "docs" / relative).write_text(transform(text), encoding="utf-8")
    pages = len(nav_files(config.get("nav")))
    write_config(config, target / "mkdocs.yml")
    references = len(entry_sources((target / "bib" / "references.bib").read_text(encoding="utf-8")))
    return Site(variant, target, pages, citations, references)


def make_synthetic(project: Path, target: Path, *, scale: int = 1, references: int | None = None, name: str = "",
                   variant: str = "full") -> Site:
    """The full site repeated `scale` times; with `references`, extra cited entries up to that count.

    With `variant="floor"` the same pages are then stripped as `make_variant` strips the floor, so
    Material's own growth with the nav can be told apart from the citation work's.

    Copy 0 is the article as it is. Copy c (c >= 1) puts every nav page under `part-NNN/` with each
    cited key `k` renamed `k-sNNN`, the generated lists (References, concordance) left out, and the
    glossary's terms dropped, so the site keeps one References page, one concordance and one glossary.
    """
    config = _base_config(project)
    _prepare_target(project, target)
    docs = target / "docs"
    original_nav = config.get("nav") or []
    files = nav_files(original_nav)
    bib_text = (project / "bib" / "references.bib").read_text(encoding="utf-8")
    entries = entry_sources(bib_text)
    bib_parts = [bib_text]
    nav: list[Any] = list(original_nav)
    for copy in range(1, scale):
        suffix = f"-s{copy:03d}"
        folder = f"part-{copy:03d}"
        (docs / folder).mkdir()
        section = []
        for title, file in files:
            text = (project / "docs" / file).read_text(encoding="utf-8")
            text = remap_keys(text, lambda key, s=suffix: key + s)
            if file in SINGLE_PAGES:
                text = strip_commands(text, (SINGLE_PAGES[file],))
            text = _drop_front_matter_key(text, "terms")
            (docs / folder / file).parent.mkdir(parents=True, exist_ok=True)
            (docs / folder / file).write_text(text, encoding="utf-8")
            section.append({title: f"{folder}/{file}"})
        nav.append({f"Part {copy}": section})
        bib_parts += [_copy_entry(text, suffix) for _, _, text in entries]
    total = len(entries) * max(scale, 1)
    if references is not None and references > total:
        extra_keys = []
        index = 0
        while total + len(extra_keys) < references:
            _, key, text = entries[index % len(entries)]
            suffix = f"-r{index:05d}"
            bib_parts.append(_copy_entry(text, suffix))
            extra_keys.append(key + suffix)
            index += 1
        _cite_extra(docs, [file for _, file in files if file not in SINGLE_PAGES and file != "glossary.md"], extra_keys)
    config["nav"] = nav
    citations = sum(len(find_citations(path.read_text(encoding="utf-8"))) for path in docs.rglob("*.md"))
    if variant == "floor":
        _make_floor(config)
        for path in docs.rglob("*.md"):
            path.write_text(strip_citations(path.read_text(encoding="utf-8")), encoding="utf-8")
    (target / "bib" / "references.bib").write_text("\n\n".join(part.strip() for part in bib_parts) + "\n", encoding="utf-8")
    write_config(config, target / "mkdocs.yml")
    pages = len(nav_files(nav))
    count = len(entry_sources((target / "bib" / "references.bib").read_text(encoding="utf-8")))
    return Site(name or f"x{scale}", target, pages, citations, count)


def _base_config(project: Path) -> dict[str, Any]:
    """The project's configuration with paths that point back at the project made absolute."""
    config = load_config(project / "mkdocs.yml")
    hooks = config.get("hooks")
    if hooks:
        config["hooks"] = [str((project / hook).resolve()) for hook in hooks]
    return config


def _make_floor(config: dict[str, Any]) -> None:
    """Hook and bibtex plugin off: a bare Material build."""
    config.pop("hooks", None)
    config["plugins"] = [plugin for plugin in config.get("plugins", []) if _plugin_name(plugin) != "bibtex"]


def _prepare_target(project: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copytree(project / "docs", target / "docs")
    shutil.copytree(project / "bib", target / "bib")


def _plugin_name(plugin: Any) -> str:
    return next(iter(plugin)) if isinstance(plugin, dict) else str(plugin)


def _peer_bibtex(plugin: Any) -> Any:
    if _plugin_name(plugin) != "bibtex":
        return plugin
    options = dict(plugin["bibtex"] or {}) if isinstance(plugin, dict) else {}
    options.update({"csl_file": PEER_CSL, "bib_by_default": True})
    return {"bibtex": options}


def _copy_entry(entry: str, suffix: str) -> str:
    """The entry under key `key+suffix`, with a DOI of its own and no printed number."""
    match = _BIB_ENTRY.match(entry)
    assert match is not None
    entry = entry[: match.start("key")] + match.group("key") + suffix + entry[match.end("key") :]
    entry = re.sub(r"^(\s*doi\s*=\s*\{)([^}]*)\}", lambda m: f"{m.group(1)}{m.group(2)}{suffix}}}", entry, flags=re.MULTILINE | re.IGNORECASE)
    return re.sub(r"^\s*printed\s*=\s*\{[^}]*\},?[ \t]*\n", "", entry, flags=re.MULTILINE | re.IGNORECASE)


def _drop_front_matter_key(text: str, key: str) -> str:
    match = _FRONT_MATTER.match(text)
    if not match:
        return text
    data = yaml.safe_load(match.group("yaml")) or {}
    if key not in data:
        return text
    data.pop(key)
    return "---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True) + "---\n" + text[match.end() :]


def _cite_extra(docs: Path, files: list[str], keys: list[str], per_block: int = 5) -> None:
    """Append paragraphs citing `keys`, `per_block` to a block, spread over `files` in turn."""
    paragraphs: dict[str, list[str]] = {file: [] for file in files}
    for number, start in enumerate(range(0, len(keys), per_block)):
        cited = "; ".join(f"@{key}" for key in keys[start : start + per_block])
        paragraphs[files[number % len(files)]].append(f"A synthetic sentence that cites further sources.[{cited}]")
    for file, lines in paragraphs.items():
        if lines:
            path = docs / file
            text = path.read_text(encoding="utf-8")
            path.write_text(text.rstrip("\n") + "\n\n## Further sources\n\n" + "\n\n".join(lines) + "\n", encoding="utf-8")
