"""The operators' desk: the queue, a ticket's page and its actions, and tickets logged for
callers. Actions go through `Dispatcher.staff_action`, exactly as in chat, so the reporter
and the teams' chats hear of them the same way."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.tickets import Done
from bot.core.ticketviews import view_of
from bot.web import attachments, desk
from bot.web.audit import AuditTrail, action_words
from bot.web.console import PREFIX, Visit, page
from bot.web.desk import CallerError, QueueFilter
from flows import i18n
from flows.commands import StaffAction, SubmitTicket
from flows.directory import PRIORITIES, TICKET_TYPES
from flows.messages import Outbound
from flows.staffcommands import VERBS

log = logging.getLogger(__name__)
LOGGERS = ("l1", "admin")  # who logs tickets for callers
CALL_SOURCES = ("phone", "email")
# Actions that only add to a ticket, whatever it became since its page was opened.
ADDS_ONLY = ("comment", "note")
# The latest change a ticket page showed (its `seen` field): an event's row ID.
EVENT_ID = re.compile(r"[0-9]{1,18}")
REPORTER_ROLES = ("ulb_employee", "cbo_member")
# How far back the queue lists messages that could not reach their reporter.
UNDELIVERED_WINDOW = timedelta(days=7)


# -- the queue ---------------------------------------------------------------------------


def wanted(request: Request, visit: Visit) -> QueueFilter:
    return QueueFilter.asked(
        request.query_params, visit.console.directory, visit.signed_in.account.key, visit.staff
    )


async def rows(
    request: Request, visit: Visit, unless_version: str | None = None
) -> tuple[list[object], str, QueueFilter]:
    """The queue's rows and its version; no rows when the version is `unless_version`."""
    console = visit.console
    helpdesk = console.helpdesk
    chosen = wanted(request, visit)
    now = console.now()
    views: list[object] = []
    async with helpdesk.unit_of_work().read_only() as uow:
        version = await desk.queue_version(uow.session)
        if version != unless_version:
            tickets = await desk.queue(uow.session, chosen, now)
            views = [view_of(ticket, now) for ticket in tickets]
    return views, version, chosen


@page()
async def queue_page(request: Request, visit: Visit) -> Response:
    console = visit.console
    helpdesk = console.helpdesk
    views, version, chosen = await rows(request, visit)
    problems: list[desk.Undelivered] = []
    if visit.staff.sees_every_team:
        async with helpdesk.unit_of_work().read_only() as uow:
            since = console.now() - UNDELIVERED_WINDOW
            problems = await desk.undelivered(uow.session, since)
    return console.html(
        "queue.html",
        visit.language,
        visit,
        views=views,
        version=version,
        chosen=chosen,
        statuses=desk.STATUSES,
        sla_states=desk.SLA_STATES,
        channels=desk.CHANNELS,
        priorities=PRIORITIES,
        own_team_only=not visit.staff.sees_every_team,
        problems=problems,
    )


@page()
async def queue_rows(request: Request, visit: Visit) -> Response:
    """The queue's rows for the page's live update; 204 when nothing changed."""
    since = request.query_params.get("since", "")
    views, version, chosen = await rows(request, visit, unless_version=since)
    if version == since:
        return Response(status_code=204)
    response = visit.console.html("_rows.html", visit.language, visit, views=views, chosen=chosen)
    response.headers["X-Queue-Version"] = version
    return response


# -- a ticket ----------------------------------------------------------------------------


async def refused_ticket(session: AsyncSession, number: str, visit: Visit) -> Response | None:
    """404 for a ticket that does not exist, 403 for another team's (to a team member),
    before anything else of it is read; None: the visitor may see it."""
    console = visit.console
    team = await desk.team_of(session, number)
    if team is None:
        return console.refusal(visit.language, "ticket_missing", 404)
    if not visit.staff.sees_every_team and team != visit.staff.team:
        return console.refusal(visit.language, "refused_other_team")
    return None


@page()
async def ticket_page(request: Request, visit: Visit) -> Response:
    console = visit.console
    helpdesk = console.helpdesk
    dispatcher = helpdesk.dispatcher
    number = request.path_params["number"].upper()
    window = timedelta(hours=helpdesk.config.resume_after_hours)
    now = console.now()
    async with helpdesk.unit_of_work().read_only() as uow:  # rendered while the rows are loaded
        refused = await refused_ticket(uow.session, number, visit)
        if refused is not None:
            return refused
        whole = visit.staff.sees_every_team
        story = await desk.story(uow.session, number, window, whole=whole)
        version = await desk.ticket_version(uow.session, number)
        if story is None:  # removed meanwhile
            return console.refusal(visit.language, "ticket_missing", 404)
        view = view_of(story.ticket, now)
        files = story.ticket.attachments
        channel = view.reporter_channel
        return console.html(
            "ticket.html",
            visit.language,
            visit,
            story=story,
            view=view,
            audit=AuditTrail(console.directory, visit.t, visit.language).lines(
                story.ticket, story.events
            ),
            verbs=VERBS,
            channels=desk.CHANNELS,
            viewable={a.id for a in files if attachments.viewable(helpdesk, channel, a.ref)},
            ticket_types=TICKET_TYPES,
            priorities=PRIORITIES,
            teams=console.directory.escalation_teams,
            notice=request.query_params.get("done", ""),
            refused=request.query_params.get("refused", ""),
            created=request.query_params.get("created", "") == "1",
            offline=dispatcher.notifier.offline(story.ticket),
            chat_languages=i18n.LANGUAGE_NAMES,
            version=version,
            # The latest change the page shows: its actions are refused if there is a
            # later one (see `act`).
            seen=max((event.id for event in story.events), default=0),
        )


@page()
async def ticket_changed(request: Request, visit: Visit) -> Response:
    """The ticket page's live check: 204 while the page is current, 200 once it is not."""
    console = visit.console
    helpdesk = console.helpdesk
    number = request.path_params["number"].upper()
    async with helpdesk.unit_of_work().read_only() as uow:
        refused = await refused_ticket(uow.session, number, visit)
        if refused is not None:
            return refused
        version = await desk.ticket_version(uow.session, number)
    if version == request.query_params.get("since", ""):
        return Response(status_code=204)
    return Response(version, media_type="text/plain")


@page()
async def attachment(request: Request, visit: Visit) -> Response:
    console = visit.console
    helpdesk = console.helpdesk
    number = request.path_params["number"].upper()
    async with helpdesk.unit_of_work().read_only() as uow:
        refused = await refused_ticket(uow.session, number, visit)
        if refused is not None:
            return refused
        found = await uow.tickets.by_number(number)
        wanted = request.path_params["item"]
        attached = found.attachments if found else []
        item = next((a for a in attached if str(a.id) == wanted), None)
        if found is None or item is None:
            return console.refusal(visit.language, "attachment_missing", 404)
        channel = found.reporter_address.partition(":")[0]
        ref, content_type, name = item.ref, item.content_type, item.filename
    fetched = await attachments.fetch(helpdesk, channel, ref, content_type)
    if fetched is None:
        return console.refusal(visit.language, "attachment_unavailable", 404)
    inline = fetched.content_type in attachments.INLINE_TYPES
    filename = name or f"{number}-{request.path_params['item']}"
    disposition = "inline" if inline else "attachment"
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(filename)}",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=3600",
    }
    media_type = fetched.content_type if inline else "application/octet-stream"
    return Response(fetched.content, media_type=media_type, headers=headers)


@page()
async def act(request: Request, visit: Visit) -> Response:
    console = visit.console
    helpdesk = console.helpdesk
    dispatcher = helpdesk.dispatcher
    number = request.path_params["number"].upper()
    form = visit.form
    action = form.get("action", "")
    if action == "link" and form.get("link_kind") == "duplicate":
        action = "duplicate"
    command = StaffAction(
        number, action, value=form.get("value", "").strip(), note=form.get("note", "").strip()
    )
    now = console.now()
    staff = visit.staff
    back = f"{PREFIX}/tickets/{number}"
    seen = form.get("seen", "")
    async with helpdesk.unit_of_work() as uow:
        refused = await refused_ticket(uow.session, number, visit)
        if refused is not None:
            return refused
        # Two people on one ticket: an action chosen on a page that no longer shows the
        # ticket as it is (someone took it, escalated it, the reporter answered) is not
        # done; a comment or an internal note adds to the ticket whatever it became.
        if EVENT_ID.fullmatch(seen) and action not in ADDS_ONLY:
            changes = await desk.changes_since(
                uow.session, number, int(seen), visit.t("by_reporter")
            )
            if changes:
                return changed_meanwhile(visit, number, changes, command.note, back)
        outcome, messages = await dispatcher.staff_action(uow, staff, "web", command, now)
        if isinstance(outcome, Done):
            for message in messages:
                uow.outbox.add(message, now)
            await uow.commit()
    if not isinstance(outcome, Done):
        text = dispatcher.renderer.refused(visit.language, outcome.reason, **outcome.values)
        return console.html(
            "refused.html", visit.language, visit, status_code=409, text=text, back=back
        )
    dispatcher.on_commit()
    return RedirectResponse(f"{back}?done={action}", status_code=303)


def changed_meanwhile(
    visit: Visit, number: str, changes: list[tuple[str, str]], note: str, back: str
) -> Response:
    """Nothing done: what changed since the page was opened, and what was typed, kept."""
    done = ", ".join(f"{action_words(visit.t, action)} ({who})" for action, who in changes)
    text = visit.t("changed_meanwhile", number=number, changes=done)
    return visit.console.html(
        "refused.html", visit.language, visit, status_code=409, text=text, back=back,
        kept=note,
    )  # fmt: skip


# -- a caller's ticket -------------------------------------------------------------------


def caller_form(visit: Visit, values: dict[str, str], error: str = "", field: str = "") -> Response:
    return visit.console.html(
        "new_ticket.html",
        visit.language,
        visit,
        status_code=400 if error else 200,
        values=values,
        error=error,
        error_field=field,
        sources=CALL_SOURCES,
        roles=REPORTER_ROLES,
        chat_languages=i18n.LANGUAGE_NAMES,
    )


@page(*LOGGERS)
async def new_ticket_form(request: Request, visit: Visit) -> Response:
    return caller_form(visit, {"source": "phone", "language": "or", "updates_by": ""})


@page(*LOGGERS)
async def new_ticket(request: Request, visit: Visit) -> Response:
    console = visit.console
    helpdesk = console.helpdesk
    dispatcher = helpdesk.dispatcher
    values = {key: value.strip() for key, value in visit.form.items() if key != "csrf"}
    directory = console.directory
    checks = {
        "source": CALL_SOURCES,
        "reporter_role": REPORTER_ROLES,
        "language": tuple(i18n.CATALOGS),
        "ulb": [item.key for item in directory.ulbs],
        "module": [item.key for item in directory.modules],
        "category": [item.key for item in directory.categories],
        "updates_by": ("", "whatsapp", "telegram"),
    }
    for name, allowed in checks.items():
        if values.get(name, "") not in allowed:
            return caller_form(visit, values, "caller_choose", name)
    if not values.get("reporter_name"):
        return caller_form(visit, values, "caller_name_needed", "reporter_name")
    if len(values.get("description", "")) < 10:
        return caller_form(visit, values, "caller_description_short", "description")
    try:
        address = desk.caller_address(
            values["source"],
            values.get("contact", ""),
            values["updates_by"],
            values.get("chat_contact", ""),
        )
    except CallerError as error:
        return caller_form(visit, values, error.key, error.field)
    now = console.now()
    staff = visit.staff
    command = SubmitTicket(
        language=values["language"],
        reporter_role=values["reporter_role"],
        reporter_name=values["reporter_name"][:120],
        ulb=values["ulb"],
        module=values["module"],
        category=values["category"],
        description=values["description"],
    )
    async with helpdesk.unit_of_work() as uow:
        ticket = await dispatcher.service.create(uow, address, command, now)
        ticket.source = values["source"]
        await uow.tickets.record_event(
            ticket, now, f"staff:{staff.key}", "web", "logged", "", {"source": ticket.source}
        )
        view = view_of(ticket, now)
        messages = dispatcher.notifier.created(ticket, view)
        if not dispatcher.notifier.offline(ticket):
            text = dispatcher.renderer.created(command.language, view)
            messages.append(
                Outbound(
                    address,
                    text,
                    ticket_number=ticket.number,
                    kind="notice",
                    language=command.language,
                )
            )
        for message in messages:
            uow.outbox.add(message, now)
        await uow.commit()
        number = ticket.number
    log.info("ticket logged for a caller", extra={"ticket": number, "staff": staff.key})
    dispatcher.on_commit()
    return RedirectResponse(f"{PREFIX}/tickets/{number}?created=1", status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/", queue_page, methods=["GET"]),
    Route("/queue/rows", queue_rows, methods=["GET"]),
    Route("/tickets/new", new_ticket_form, methods=["GET"]),
    Route("/tickets/new", new_ticket, methods=["POST"]),
    Route("/tickets/{number}", ticket_page, methods=["GET"]),
    Route("/tickets/{number}/act", act, methods=["POST"]),
    Route("/tickets/{number}/version", ticket_changed, methods=["GET"]),
    Route("/tickets/{number}/attachments/{item}", attachment, methods=["GET"]),
]
