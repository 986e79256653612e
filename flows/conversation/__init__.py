"""The conversation: one pure step per inbound message.

`step(state, inbound, context)` returns the new state, the replies and the domain commands
for the back end. No I/O happens here, so every transcript can be tested without a channel.

`routing` holds the entry point and the route table of the steps; `turn` what one message
being worked through reads and collects; the steps by concept: `menu`, `intake` (a report's
questions), `attachments`, `summary`, `answers` (a reporter's about a ticket), `passing` (what
they write to an open ticket), `staff`, `keywords` (what works at any step), `options`
(picking from a list); `chat` where a chat stands, which the back end asks too.
"""

from flows.conversation.answers import after_closed_or_reopened, confirmation_keys
from flows.conversation.chat import language_of, may_pass_to_ticket, mid_report
from flows.conversation.options import MAX_NARROWED, MORE, PAGE_SIZE
from flows.conversation.routing import step
from flows.conversation.summary import CONFIRM_KEYS
from flows.conversation.turn import FlowContext, Step

__all__ = [
    "CONFIRM_KEYS",
    "MAX_NARROWED",
    "MORE",
    "PAGE_SIZE",
    "FlowContext",
    "Step",
    "after_closed_or_reopened",
    "confirmation_keys",
    "language_of",
    "may_pass_to_ticket",
    "mid_report",
    "step",
]
