"""The errors sitegen raises; only the CLI turns them into exit codes."""

from __future__ import annotations

from pathlib import Path


class SitegenError(Exception):
    """Anything sitegen reports to a person instead of a traceback."""


class ConfigError(SitegenError):
    """`sitegen.yaml` is missing a key or has a bad value."""

    def __init__(self, problems: list[str], path: Path | None = None) -> None:
        self.problems = problems
        self.path = path
        where = f"{path}: " if path else ""
        super().__init__("\n".join(f"{where}{p}" for p in problems))


class ContentError(SitegenError):
    """A problem in one file a person wrote, shown as `path:line: message`."""

    def __init__(self, path: Path | str, line: int, message: str, source_line: str | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        self.source_line = source_line
        text = f"{path}:{line}: {message}"
        if source_line is not None:
            text += f"\n    {source_line.rstrip()}"
        super().__init__(text)
