"""JIRA's JSON, read and written: the changes a webhook event or an issue found by a search
carries for the helpdesk, and rich text as Atlassian Document Format.

ADF is the JSON documents Jira Cloud's REST API v3 takes and gives for rich text (an issue's
description, a comment's body), to and from the plain text the helpdesk keeps. Only what plain
text needs: paragraphs (split at blank lines) whose lines are joined by `hardBreak` nodes. ADF
refuses an empty text node, so blank lines never become one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Protocol

from flows.jira import JiraChange

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


class Reading(Protocol):
    """What reading JIRA's changes takes from the `[jira]` configuration in use."""

    @property
    def resolved_statuses(self) -> Collection[str]: ...

    @property
    def reporter_marker(self) -> str: ...


def changes_in(payload: Mapping[str, Any], reading: Reading) -> list[JiraChange]:
    """What a webhook payload (as JIRA Cloud sends it) means for the helpdesk."""
    issue = payload.get("issue") or {}
    key = str(issue.get("key", ""))
    labels = tuple(str(label) for label in (issue.get("fields") or {}).get("labels", []))
    event = payload.get("webhookEvent", "")
    author = str((payload.get("user") or {}).get("displayName", "JIRA"))
    found: list[JiraChange] = []
    if event == "jira:issue_updated":
        for item in (payload.get("changelog") or {}).get("items", []):
            if item.get("field") == "status" and item.get("toString") in reading.resolved_statuses:
                status = str(item.get("toString"))
                found.append(JiraChange(key, labels, "resolved", author, status))
    if event == "comment_created":
        comment = payload.get("comment") or {}
        found += comment_changes(key, labels, [comment], reading)
    return found


def comment_changes(
    key: str, labels: tuple[str, ...], comments: list[dict[str, Any]], reading: Reading
) -> list[JiraChange]:
    """Public comments starting with the marker are for the reporter; the rest stay in JIRA."""
    marker = reading.reporter_marker.casefold()
    found = []
    for comment in comments:
        body = plain(comment.get("body", "")).strip()
        if comment.get("visibility") or not body.casefold().startswith(marker):
            continue
        author = str((comment.get("author") or {}).get("displayName", "JIRA"))
        found.append(
            JiraChange(
                key,
                labels,
                "comment",
                author,
                body[len(marker) :].strip(),
                str(comment.get("id", "")),
            )
        )
    return found


def poll_changes(issue: Mapping[str, Any], reading: Reading) -> list[JiraChange]:
    """The same changes, read from an issue found by a search."""
    fields = issue.get("fields") or {}
    key = str(issue.get("key", ""))
    labels = tuple(str(label) for label in fields.get("labels", []))
    found = []
    status = str((fields.get("status") or {}).get("name", ""))
    if status in reading.resolved_statuses:
        found.append(JiraChange(key, labels, "resolved", "JIRA", status))
    comments = list((fields.get("comment") or {}).get("comments", []))
    return found + comment_changes(key, labels, comments, reading)
