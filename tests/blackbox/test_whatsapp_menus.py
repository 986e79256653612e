"""Black-box: WhatsApp menus to tap. `python -m bot serve` sends each choice inside the
24-hour window as a list or buttons made through Twilio's Content API (prism on Twilio's
description, behind a recorder), and reads what the reporter taps by its id, as Twilio
posts it (`ButtonPayload` for a button, `ListId` for a list item)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from flows import i18n
from tests.blackbox.conftest import ServiceFactory
from tests.blackbox.recorder import Recorded, Recorder
from tests.blackbox.service import TWILIO_ACCOUNT_SID, Service

MESSAGES = f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json"
CONTENT = "/v1/Content"
RAMESH = "whatsapp:+919876543210"
MENUS_ON = {"TWILIO_INTERACTIVE_MENUS": "true"}


@dataclass(frozen=True)
class Shown:
    """A message to the reporter: its text and, for a menu, its kind and (id, title)s."""

    text: str
    kind: str = ""
    items: tuple[tuple[str, str], ...] = ()


def made_menus(content: Recorder) -> dict[str, dict[str, object]]:
    """The menus the Content API made, by ContentSid: their types."""
    return {r.answer_json()["sid"]: r.json()["types"] for r in content.to(CONTENT)}


def shown(twilio: Recorder, content: Recorder, to: str) -> list[Shown]:
    menus = made_menus(content)
    seen = []
    for call in twilio.to(MESSAGES):
        form = call.form()
        if form.get("To") != [to]:
            continue
        if "Body" in form:
            seen.append(Shown(form["Body"][0]))
            continue
        types = menus.get(form["ContentSid"][0])
        variables = json.loads(form["ContentVariables"][0])
        if types is None:  # a template, outside the window
            seen.append(Shown(variables.get("1", "")))
            continue
        ((kind, shape),) = types.items()
        assert isinstance(shape, dict)
        listed = [(a["id"], a["title"]) for a in shape.get("actions", [])] + [
            (i["id"], i["item"]) for i in shape.get("items", [])
        ]
        # An item's id is a variable ("{{2}}"), filled in from the message's variables.
        items = tuple((variables[id_.strip("{}")], title) for id_, title in listed)
        seen.append(Shown(variables["1"], kind, items))
    return seen


def question(language: str, key: str) -> str:
    """The start of a question's text (before anything filled in)."""
    return i18n.CATALOGS[language][key].split("{", 1)[0].strip()[:20]


class Reporter:
    def __init__(self, helpdesk: Service, twilio: Recorder, content: Recorder, number: str):
        self.helpdesk, self.twilio, self.content, self.number = helpdesk, twilio, content, number

    def seen(self) -> list[Shown]:
        return shown(self.twilio, self.content, self.number)

    def wait_for(self, expect: str, after: int, menu: bool = True) -> Shown:
        """The message saying `expect` since the `after`th; `menu`: the menu asking it (the
        same message, or the one after the start of a long question)."""
        found: list[Shown] = []

        def arrived(_: list[Recorded]) -> bool:
            seen = self.seen()[after:]
            starts = [n for n, shown in enumerate(seen) if expect in shown.text]
            if starts and not menu:
                found[:] = [seen[starts[-1]]]
            elif starts:
                found[:] = [shown for shown in seen[starts[0] :] if shown.kind][-1:]
            return bool(found)

        self.twilio.wait_for(arrived)
        return found[-1]

    def say(self, text: str, expect: str, menu: bool = True, **extra: str) -> Shown:
        before = len(self.seen())
        assert self.helpdesk.whatsapp(self.number, text, **extra).status_code == 200
        return self.wait_for(expect, before, menu)

    def tap(self, menu: Shown, pick: int | str, expect: str, answer: bool = True) -> Shown:
        """Tap the `pick`th item (from 1), or the one with id `pick`, as Twilio posts it;
        the menu asking `expect` (`answer`: a menu), or the message saying it."""
        assert menu.kind, f"not a menu: {menu.text!r}"
        ids = [item_id for item_id, _ in menu.items]
        item_id, title = menu.items[pick - 1 if isinstance(pick, int) else ids.index(pick)]
        if menu.kind == "twilio/quick-reply":
            tapped = {"ButtonPayload": item_id, "ButtonText": title, "MessageType": "button"}
        else:
            tapped = {"ListId": item_id, "ListTitle": title, "MessageType": "interactive"}
        return self.say(title, expect, answer, **tapped)


def intake_by_taps(reporter: Reporter, language: str, description: str) -> str:
    """A whole report, every choice tapped; the ticket's number."""
    ask = i18n.language_question("")
    menu = reporter.say("hi", ask.splitlines()[0][:20])
    # The language picked, the first report starts at once; the name is WhatsApp's.
    menu = reporter.tap(menu, language, question(language, "ask_ulb_search"))
    menu = reporter.tap(menu, 1, question(language, "ask_role"))
    menu = reporter.tap(menu, 1, question(language, "ask_module"))
    modules = menu
    menu = reporter.tap(menu, 5, question(language, "ask_category"))
    # A tap on the menu before: said to be an earlier question's, the current one asked again.
    reporter.tap(modules, 5, question(language, "stale_button"), answer=False)
    reporter.tap(menu, 2, question(language, "ask_description"), answer=False)
    menu = reporter.say(description, question(language, "summary"))
    done = reporter.tap(menu, 1, "MK-", answer=False)
    number = re.search(r"MK-\d+", done.text)
    assert number is not None
    return number.group()


def intake_by_numbers(reporter: Reporter) -> str:
    reporter.say("hi", "Choose your language", menu=False)
    for answer in ["1", "1", "1", "5", "2"]:
        assert reporter.helpdesk.whatsapp(reporter.number, answer).status_code == 200
    reporter.say("Wage bill for muster roll 42 fails", "Please check your report", menu=False)
    done = reporter.say("1", "registered as ticket", menu=False)
    number = re.search(r"MK-\d+", done.text)
    assert number is not None
    return number.group()


def filed(helpdesk: Service, number: str) -> str:
    rows = helpdesk.sql("SELECT description FROM tickets WHERE number = ?", number)
    assert rows, f"{number} not filed"
    return str(rows[0][0])


@pytest.mark.parametrize(
    ("language", "description"),
    [
        ("en", "Wage bill for muster roll 42 fails with error 500 when the JE submits it"),
        ("or", "ମଷ୍ଟର ରୋଲ 42ର ମଜୁରି ବିଲ୍ ହେଉନାହିଁ, JE ପଠାଇଲେ ତ୍ରୁଟି 500 ଦେଖାଉଛି"),
    ],
)
def test_a_report_made_by_taps_is_filed(
    service: ServiceFactory, twilio: Recorder, content: Recorder, language: str, description: str
) -> None:
    helpdesk = service(**MENUS_ON, TWILIO_CONTENT_API_BASE_URL=content.url).start()
    reporter = Reporter(helpdesk, twilio, content, RAMESH)
    number = intake_by_taps(reporter, language, description)
    assert filed(helpdesk, number) == description
    # The summary, too long for a menu's text, went first; its last line asked with the menu.
    summary = [s for s in reporter.seen() if question(language, "summary") in s.text]
    assert summary and not summary[0].kind
    # The menus were lists and buttons, in the reporter's language, each made once.
    kinds = {s.kind for s in reporter.seen() if s.kind}
    assert kinds == {"twilio/list-picker", "twilio/quick-reply"}
    made = [r.json() for r in content.to(CONTENT)]
    lists = [
        m["types"]["twilio/list-picker"]
        for m in made
        if m["language"] == language and "twilio/list-picker" in m["types"]
    ]
    assert lists
    assert {picker["button"] for picker in lists} == {i18n.text(language, "menu_button")}
    assert len({m["friendly_name"] for m in made}) == len(made)
    assert not content.calls(lambda r: r.status >= 400)
    assert not twilio.calls(lambda r: r.status >= 400)
    assert helpdesk.stop() == 0


def test_each_menu_is_made_once_across_a_restart_and_two_processes(
    service: ServiceFactory, twilio: Recorder, content: Recorder
) -> None:
    env = {**MENUS_ON, "TWILIO_CONTENT_API_BASE_URL": content.url}
    first = service(**env).start()
    # Typed numbers still work when the questions are menus.
    intake_by_numbers(Reporter(first, twilio, content, RAMESH))
    made = len(content.to(CONTENT))
    assert made == len(first.sql("SELECT digest FROM whatsapp_menus"))
    assert first.stop() == 0
    first.start()
    intake_by_numbers(Reporter(first, twilio, content, "whatsapp:+919800000002"))
    second = service(**env, DATABASE_URL=first.env["DATABASE_URL"]).start()
    intake_by_numbers(Reporter(second, twilio, content, "whatsapp:+919800000003"))
    assert len(content.to(CONTENT)) == made
    assert first.stop() == 0
    assert second.stop() == 0


def test_with_the_content_api_failing_the_report_is_made_by_numbers(
    service: ServiceFactory, twilio: Recorder, content: Recorder
) -> None:
    content.fail_next(CONTENT, 500)
    helpdesk = service(**MENUS_ON, TWILIO_CONTENT_API_BASE_URL=content.url).start()
    reporter = Reporter(helpdesk, twilio, content, RAMESH)
    number = intake_by_numbers(reporter)
    assert filed(helpdesk, number)
    # Asked once, refused: every question went as a numbered list, none was lost.
    assert len(content.calls()) == 1
    questions = [s for s in reporter.seen() if "\n1. " in s.text]
    assert len(questions) >= 6  # language, ULB, role, module, kind of problem, summary
    assert all(not s.kind for s in reporter.seen())
    assert helpdesk.stop() == 0
