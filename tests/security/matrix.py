"""The permission matrix (docs/permissions.toml): loading, checking its shape, rendering it as Markdown.

The test (test_permission_matrix.py) walks every cell; docs/permissions.md shows the rendering
between two markers, and a test keeps the two equal.
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "docs" / "permissions.toml"
DOC = ROOT / "docs" / "permissions.md"
BEGIN = "<!-- permission-matrix:begin (generated from docs/permissions.toml; do not edit by hand) -->"
END = "<!-- permission-matrix:end -->"

SIGN_IN_PAGES = {"login": "/staff/login", "sign-in": "/me/sign-in", "admin-login": "/admin/login/"}
FIELDS = {"P": "phone", "A": "address", "N": "name"}


@dataclass(frozen=True)
class Expect:
    """One cell: the status, where a redirect goes, and which personal data the response shows."""

    status: int
    where: str = ""  # a key of SIGN_IN_PAGES, or "" (a redirect anywhere else)
    fields: frozenset = frozenset()

    @property
    def refused(self) -> bool:
        return self.status in (401, 403, 404) or bool(self.where)

    @property
    def hidden(self) -> bool:
        """Refused without saying whether the object exists (what a guessed number must get)."""
        return self.status in (401, 404) or bool(self.where)

    def __str__(self) -> str:
        return " ".join(p for p in (str(self.status), self.where, "".join(sorted(self.fields))) if p)


def parse(cell: str) -> Expect:
    parts = cell.split()
    status = int(parts[0])
    where, fields = "", frozenset()
    for part in parts[1:]:
        if part in SIGN_IN_PAGES:
            where = part
        elif set(part) <= set(FIELDS):
            fields = frozenset(part)
        else:
            raise ValueError(f"unknown word {part!r} in cell {cell!r}")
    if where and status != 302:
        raise ValueError(f"{cell!r}: only a 302 goes to a sign-in page")
    return Expect(status, where, fields)


def load(path: Path = SOURCE) -> tuple[dict[str, str], list[dict]]:
    """The roles (key -> description) and the operations, each with `cells` (role -> Expect)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    roles = data["roles"]
    ops = data["op"]
    seen = set()
    for op in ops:
        if op["id"] in seen:
            raise ValueError(f"duplicate op id {op['id']}")
        seen.add(op["id"])
        cells: dict[str, Expect] = {}
        default = None
        for key, value in op["cells"].items():
            if key == "others":
                default = parse(value)
                continue
            for role in key.split(","):
                role = role.strip()
                if role not in roles:
                    raise ValueError(f"{op['id']}: unknown role {role!r}")
                if role in cells:
                    raise ValueError(f"{op['id']}: role {role!r} given twice")
                cells[role] = parse(value)
        for role in roles:
            if role not in cells:
                if default is None:
                    raise ValueError(f"{op['id']}: no cell for {role!r} and no `others`")
                cells[role] = default
        op["cells"] = cells
    return roles, ops


def _cell_text(expect: Expect) -> str:
    text = str(expect.status)
    if expect.where:
        text += " → " + SIGN_IN_PAGES[expect.where]
    elif expect.status == 302:
        text += " ✓"
    if expect.fields:
        text += " **" + "".join(f for f in "PAN" if f in expect.fields) + "**"
    return text


def render(roles: dict[str, str], ops: list[dict]) -> str:
    """The matrix as Markdown tables, one per area."""
    lines = [BEGIN, ""]
    keys = list(roles)
    lines.append("| column | role |")
    lines.append("|---|---|")
    lines += [f"| `{key}` | {description} |" for key, description in roles.items()]
    areas: dict[str, list[dict]] = {}
    for op in ops:
        areas.setdefault(op["area"], []).append(op)
    for area, area_ops in areas.items():
        lines += ["", f"### {area}", ""]
        lines.append("| operation | " + " | ".join(f"`{k}`" for k in keys) + " |")
        lines.append("|---|" + "---|" * len(keys))
        for op in area_ops:
            label = f"`{op['method']} {op['path']}`<br>{op['what']}"
            if op.get("case"):
                label += f" (case: {op['case']})"
            lines.append(f"| {label} | " + " | ".join(_cell_text(op["cells"][k]) for k in keys) + " |")
    cells = len(ops) * len(keys)
    lines += ["", f"{len(ops)} operations × {len(keys)} roles = {cells} cells.", "", END]
    return "\n".join(lines)


def documented_block(text: str) -> str:
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[start:end]
