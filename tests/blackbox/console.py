"""The web console of the running service as an operator's browser uses it, over HTTP: signing
in, "Log a call" and a ticket's actions, each form sent with the token its page carries."""

from __future__ import annotations

import httpx

from tests.blackbox.service import Service
from tests.web_support import _CSRF, _SEEN


class Browser:
    def __init__(self, helpdesk: Service) -> None:
        # A browser sends Origin with every form it posts.
        self.http = httpx.Client(
            base_url=helpdesk.url, trust_env=False, timeout=10.0, headers={"Origin": helpdesk.url}
        )

    def close(self) -> None:
        self.http.close()

    def sign_in(self, key: str, password: str) -> None:
        answer = self.http.post("/console/login", data={"username": key, "password": password})
        assert answer.status_code == 303, answer.text

    def _hidden(self, page: str) -> dict[str, str]:
        """The hidden fields of a page's forms: its CSRF token and the change it shows."""
        answer = self.http.get(page)
        csrf, seen = _CSRF.search(answer.text), _SEEN.search(answer.text)
        assert csrf, f"no CSRF token on {page} ({answer.status_code})"
        return {"csrf": csrf.group(1), **({"seen": seen.group(1)} if seen else {})}

    def log_call(self, call: dict[str, str]) -> str:
        """'Log a call' filled in with `call`; the new ticket's number."""
        form = {**self._hidden("/console/tickets/new"), **call}
        answer = self.http.post("/console/tickets/new", data=form)
        assert answer.status_code == 303, answer.text
        return answer.headers["location"].split("/tickets/", 1)[1].split("?", 1)[0]

    def act(self, number: str, action: str, **fields: str) -> None:
        """An action sent from the ticket's page as it is now."""
        page = f"/console/tickets/{number}"
        form = {**self._hidden(page), "action": action, **fields}
        answer = self.http.post(f"{page}/act", data=form)
        assert answer.status_code == 303, answer.text
