"""What the JIRA mirror's two halves agree on: the channel's name, how a mirrored issue is
labelled, and the changes made in JIRA that the helpdesk acts on. The REST client and the
webhook (`adapters.jira`) read those changes from JIRA's JSON; the mirror
(`bot.core.jira_sync`) applies them to tickets."""

from __future__ import annotations

from dataclasses import dataclass

CHANNEL = "jira"
# Every mirrored issue carries LABEL, and the label of its ticket (`label_of`).
LABEL = "helpdesk"


def label_of(number: str) -> str:
    return f"{LABEL}-{number}"


def number_in(label: str) -> str | None:
    """The ticket number a label names (`label_of`), if it names one."""
    prefix = f"{LABEL}-"
    return label.removeprefix(prefix) if label.startswith(prefix) else None


@dataclass(frozen=True)
class JiraChange:
    """Something that happened in JIRA that the helpdesk acts on."""

    issue_key: str
    labels: tuple[str, ...]
    kind: str  # "resolved" | "comment"
    author: str
    text: str = ""
    event_id: str = ""
