"""Atlassian Document Format: the JSON documents Jira Cloud's REST API v3 takes and gives for
rich text (an issue's description, a comment's body), to and from the plain text the helpdesk
keeps.

Only what plain text needs: paragraphs (split at blank lines) whose lines are joined by
`hardBreak` nodes. ADF refuses an empty text node, so blank lines never become one.
"""

from __future__ import annotations

from typing import Any

ADF = dict[str, Any]


def document(text: str) -> ADF:
    """`text` as an ADF document: each block of lines between blank lines a paragraph."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    paragraphs = [_paragraph(lines) for lines in blocks if lines]
    return {"type": "doc", "version": 1, "content": paragraphs}


def _paragraph(lines: list[str]) -> ADF:
    content: list[ADF] = []
    for line in lines:
        if content:
            content.append({"type": "hardBreak"})
        content.append({"type": "text", "text": line})
    return {"type": "paragraph", "content": content}


def plain(body: object) -> str:
    """The text of a body as JIRA gives it: ADF from REST API v3, a string from v2 and from
    webhooks. Blocks are separated by a blank line, hard breaks by a line break."""
    if isinstance(body, str):
        return body
    if not isinstance(body, dict):
        return ""
    kind = body.get("type")
    if kind == "text":
        return str(body.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind in ("mention", "emoji"):
        attrs = body.get("attrs") or {}
        return str(attrs.get("text", "")) if isinstance(attrs, dict) else ""
    children = body.get("content")
    parts = [plain(child) for child in children] if isinstance(children, list) else []
    inline = kind not in ("doc", "bulletList", "orderedList", "listItem", "blockquote", "panel")
    return "".join(parts) if inline else "\n\n".join(part for part in parts if part)
