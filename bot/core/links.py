"""Linked tickets: the incidents of a Problem (and its duplicates) follow its changes."""

from __future__ import annotations

from datetime import datetime

from bot.core.sla import SlaClock
from bot.core.tickets import Done
from db.repositories import OPEN_STATUSES
from db.uow import UnitOfWork


async def follow_parent(uow: UnitOfWork, clock: SlaClock, done: Done, now: datetime) -> list[Done]:
    """A Problem's resolution resolves its incidents; closing it closes them, reopening it
    reopens those still resolved. Each linked ticket's reporter hears of every change of
    the Problem."""
    parent = done.ticket
    followers: list[Done] = []
    for child in await uow.tickets.children(parent.number):
        if child.status == "closed":
            continue
        before = child.status
        if done.action == "resolve" and child.status in OPEN_STATUSES:
            child.status, child.resolved_at, child.confirmation = "resolved", now, "asked"
            child.last_note = parent.last_note
        elif done.action == "close":
            child.status, child.closed_at = "closed", now
        elif done.action == "reopen" and child.status == "resolved":
            # Not fixed after all: nor is the incident that followed the fix.
            child.status, child.resolved_at, child.confirmation = "reopened", None, ""
            child.reopen_count += 1
            clock.start(child, now)
            clock.responded(child, now)  # the team works on it through its Problem
        if before == "waiting" and child.status != "waiting":
            clock.resume(child, now)  # no longer waiting on its reporter
        child.updated_at = now
        if child.status != before:
            await uow.tickets.record_event(
                child,
                now,
                f"ticket:{parent.number}",
                "helpdesk",
                done.action,
                before,
                {"parent": parent.number},
            )
        followers.append(
            Done(child, done.action, done.note, child.team, parent.number, source=parent)
        )
    return followers
