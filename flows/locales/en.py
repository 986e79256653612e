"""English texts. Every other catalog has exactly these keys and placeholders."""

MESSAGES: dict[str, str] = {
    # Language and menu
    "greeting": "Namaskar! This is the MUKTASoft helpdesk of HUDD, Odisha.",
    "choose_language": "Choose your language:",
    "language_set": "Language set to English.",
    "menu": "What would you like to do?",
    "menu_report": "Report a problem",
    "menu_continue": "Continue my unfinished report",
    "menu_status": "Check a ticket's status",
    "menu_mine": "My tickets",
    "menu_language": "Change language",
    "menu_help": "Help",
    "menu_queue": "My team's open tickets",
    "menu_ticket": "Work on a ticket",
    "help": (
        "This helpdesk takes problems with the MUKTASoft app and gives you a ticket ID to "
        "follow them.\n"
        "• Pick options by their number, or type the option's name.\n"
        "• menu: the main menu (an unfinished report is kept)\n"
        "• cancel: discard an unfinished report\n"
        "• status {example}: the status of a ticket\n"
        "• my tickets: your tickets\n"
        "• language: change language"
    ),
    "staff_help": (
        "Staff commands (also from the menu):\n"
        "queue · ticket {example} · take {example} · type {example} incident · "
        "priority {example} P2 · escalate {example} [team] · comment {example} <text> · "
        "resolve {example} <note> · close {example} · reopen {example} <reason> · "
        "ask {example} <question> · link MK-1002 {example} · duplicate MK-1002 {example}\n"
        "Types: problem, incident, change_request, bug_fix. Teams: {teams}."
    ),
    "hint_menu": "Type menu for the main menu.",
    "cancelled": "Your unfinished report was cancelled. Nothing was submitted.",
    "nothing_to_cancel": "There was nothing to cancel.",
    "welcome_back": (
        "Welcome back! You have an unfinished report; let's continue where you left off "
        "(type cancel to discard it)."
    ),
    "not_understood": (
        "Sorry, I did not understand that. Reply with the number of an option, "
        "or type menu or cancel."
    ),
    "no_match": (
        "I could not find “{answer}” in the list. Type the number shown, or the first "
        "letters of the name."
    ),
    "more": "More…",
    # The button that opens a list of choices on WhatsApp (at most 20 characters).
    "menu_button": "Choose",
    # Intake
    "ask_ulb": "Which ULB (Urban Local Body) are you from?",
    "ask_ulb_search": (
        "Which ULB (Urban Local Body) are you from? Type the first letters of its name "
        "(for example “{example}”), or pick a number:"
    ),
    "ulb_narrowed": "These match “{answer}”. Pick one:",
    "too_many_matches": "{count} names match “{answer}”. Please type a few more letters.",
    "ask_role": "Are you a ULB employee or a CBO (Mission Shakti group) member?",
    "role_ulb_employee": "ULB employee",
    "role_cbo_member": "CBO member",
    "ask_name": "Please type your name, so that the helpdesk knows whom to contact.",
    "use_name": "Use “{name}”",
    "name_invalid": "Please type your name (2 to 80 letters).",
    "ask_module": "Which part of MUKTASoft is the problem in?",
    "ask_category": "What kind of problem is it?",
    "ask_description": (
        "Please describe the problem in your own words: what you were doing, what happened, "
        "and any error message. You can also send a photo of the screen."
    ),
    "description_too_short": (
        "That is a little short. Please describe the problem in a few more words "
        "(at least {minimum} characters)."
    ),
    "ask_attachments": (
        "Would you like to add a photo or a document (for example a screenshot of the "
        "error)? Send it now, or pick Continue."
    ),
    "attachments_done": "Continue",
    "attachment_added": "Got it: {count} attachment(s) are now on your report.",
    "attachment_new_report": "I have kept your attachment and started a new report with it.",
    "description_added": "I have added that to the description.",
    "summary": (
        "Please check your report:\n\n"
        "ULB: {ulb}\n"
        "Name: {name} ({role})\n"
        "Module: {module}\n"
        "Kind of problem: {category}\n"
        "Description: {description}\n"
        "Attachments: {attachments}\n\n"
        "Submit it?"
    ),
    "submit": "Submit",
    "edit_ulb": "Change ULB",
    "edit_contact": "Change name or role",
    "edit_module": "Change module",
    "edit_category": "Change kind of problem",
    "edit_description": "Rewrite description",
    "cancel_report": "Cancel",
    # Status
    "ask_ticket_id": "Please send the ticket ID (it looks like {example}).",
    "bad_ticket_id": "That does not look like a ticket ID. A ticket ID looks like {example}.",
    "ticket_created": (
        "Your problem is registered as ticket {number}.\n"
        "Priority: {priority}. The helpdesk will respond by {due}.\n"
        "Keep this ID. To check on it, send: status {number}"
    ),
    "ticket_not_found": "I could not find a ticket {number} for you. Please check the ID.",
    "ticket_status": (
        "Ticket {number}: {status}\n"
        "ULB: {ulb}\n"
        "Module: {module}\n"
        "With: {team}\n"
        "Priority: {priority}\n"
        "Response due: {due}\n"
        "Last update: {updated}"
    ),
    "last_note": "Latest note: {note}",
    "my_tickets": "Your tickets:",
    "my_tickets_none": "You have no tickets yet.",
    "my_ticket_line": "{number} · {status} · {module} · {date}",
    "no_due": "not set",
    "status_new": "Received",
    "status_in_progress": "Being worked on",
    "status_escalated": "Passed to a specialist team",
    "status_resolved": "Resolved",
    "status_closed": "Closed",
    "status_reopened": "Reopened",
    # Notices to the reporter
    "notice_taken": "Update on ticket {number}: {team} has started working on it.",
    "notice_escalated": (
        "Update on ticket {number}: it has been passed to {team}, who will respond by {due}."
    ),
    "notice_comment": "Message from the helpdesk about ticket {number}:\n{note}",
    "notice_resolved": "Update on ticket {number}: resolved.\n{note}\nIs your problem solved?",
    "notice_closed": "Update on ticket {number}: closed.",
    "notice_reopened": "Update on ticket {number}: reopened. {team} will look at it again.",
    "notice_priority": (
        "Update on ticket {number}: priority is now {priority}; response due by {due}."
    ),
    # Staff
    "staff_only": "That is for helpdesk staff.",
    "ticket_actions": "What would you like to do with {number}?",
    "action_take": "Take it",
    "action_type": "Set type",
    "action_priority": "Set priority",
    "action_escalate": "Escalate",
    "action_comment": "Comment to reporter",
    "action_resolve": "Resolve",
    "action_close": "Close",
    "action_reopen": "Reopen",
    "action_back": "Back to menu",
    "ask_type": "Which type is {number}?",
    "ask_priority": "Which priority for {number}?",
    "ask_team": "Escalate {number} to which team?",
    "team_by_category": "By its category (recommended)",
    "ask_comment": "Type the message for the reporter of {number}:",
    "ask_resolution": "Type the resolution for the reporter of {number}:",
    "ask_reopen_reason": "Why is {number} being reopened?",
    "type_problem": "Problem",
    "type_incident": "Incident",
    "type_change_request": "Change Request",
    "type_bug_fix": "Bug Fix",
    "type_unset": "not set",
    "unassigned": "nobody yet",
    "change_take": "{number}: taken by {assignee}",
    "change_type": "{number}: type {before} → {after}",
    "change_priority": "{number}: priority {before} → {after}; response due {due}",
    "change_escalate": "{number}: {before} → {after}; response due {due}",
    "change_comment": "{number}: message sent to the reporter",
    "change_resolve": "{number}: resolved; the reporter is asked to confirm",
    "change_close": "{number}: closed",
    "change_reopen": "{number}: reopened with {team}; response due {due}",
    "change_ask": "{number}: question sent to the reporter; the clock waits for the answer",
    "change_link": "{number}: linked to {parent}; its reporter follows {parent}",
    "change_duplicate": "{number}: marked as a duplicate of {parent}",
    "change_note": "{number}: internal note added: {note}",
    "change_reply": "{number}: the reporter answered: {note}",
    "change_not_solved": "{number}: the reporter says it is not solved; reopened with {team}",
    "change_confirm": "{number}: the reporter confirmed it is solved; closed",
    "change_auto_close": "{number}: closed (no answer from the reporter)",
    "change_status": "; {before} → {after}",
    "follow_line": "Following {number} ({team}): {change}",
    "refused_not_found": "There is no ticket {number}.",
    "refused_not_your_team": (
        "{number} is with {team}; only that team or the L1 helpdesk can change it."
    ),
    "refused_transition": "{number} is {status}, so it cannot be {action} now.",
    "refused_same_team": "{number} is already with {team}.",
    "refused_same_priority": "{number} is already {value}.",
    "refused_note_required": "Please add a note: the reporter will read it.",
    "refused_bad_value": "“{value}” is not a valid choice here.",
    "refused_closed": "{number} is closed; reopen it first.",
    "refused_taken_already": "{name} has taken {number} already. To take it over, type: "
    "take {number}",
    "verb_take": "taken",
    "verb_escalate": "escalated",
    "verb_resolve": "resolved",
    "verb_close": "closed",
    "verb_reopen": "reopened",
    "verb_comment": "commented on",
    "verb_type": "changed",
    "verb_priority": "changed",
    "queue": "Open tickets of {team} ({count}):",
    "queue_empty": "{team} has no open tickets.",
    "queue_line": "{number} · {priority} · {status} · {ulb} · {module} · due {due}{sla}",
    "queue_held_by": " · now with {team}",
    "team_card": (
        "{number} · {priority} · {status}{link}\n"
        "ULB: {ulb}\n"
        "Reporter: {name} ({role}, {channel})\n"
        "Module: {module}\n"
        "Kind of problem: {category} → {routing}\n"
        "Type: {ticket_type}\n"
        "Team: {team} · Assignee: {assignee}\n"
        "Response due: {due}{sla}\n"
        "Attachments: {attachments}\n\n"
        "{description}"
    ),
    "routing_functional": "functional",
    "routing_technical_infra": "technical (HUDD infrastructure)",
    "routing_technical_app": "technical (app / iFIX)",
    "routing_bug": "bug",
    "routing_enhancement": "enhancement",
    "reply_with_note": "Reply to this message with the text.",
    "group_not_understood": "I did not understand that. Send /help for the commands.",
    "stale_button": "That button belongs to an earlier question. Here is the current one:",
    "unknown_group": (
        "This group is not a team chat of the MUKTA helpdesk. To make it one, an admin adds "
        "{chat} to the team's chats in the helpdesk configuration. (You are {person}.)"
    ),
    "voice_description": "(voice note attached)",
    "undeliverable_alert": (
        "Could not deliver a message to {chat} about {ticket}: {reason}. Please contact "
        "the reporter another way."
    ),
    "status_waiting": "Waiting for your reply",
    "action_ask": "Ask the reporter",
    "action_link": "Link to a Problem",
    "action_duplicate": "Mark as duplicate",
    "action_note": "Internal note",
    "ask_internal_note": "Your note on {number} for the staff (the reporter does not see it):",
    "verb_ask": "asked about",
    "verb_link": "linked",
    "verb_duplicate": "marked as duplicate",
    "verb_note": "given an internal note",
    "ask_question": "Type the question for the reporter of {number}:",
    "ask_parent": (
        "Send the ID of the ticket that {number} belongs to (the Problem or the original):"
    ),
    "link_usage": (
        "Send: link {number} <ID of the Problem>, or duplicate {number} <ID of the original>."
    ),
    "notice_ask": (
        "The helpdesk has a question about ticket {number}:\n{note}\nPlease reply with your answer."
    ),
    "confirm_yes": "Yes, it is solved",
    "confirm_no": "No, not yet",
    "ask_rating": "Thank you! How would you rate the help you got? (1 = poor, 5 = excellent)",
    "ask_not_solved": "Sorry to hear that. What is still not working?",
    "ask_if_solved": "Is your problem with ticket {number} solved?",
    "thanks_rating": "Thank you for your feedback.",
    "reply_sent": "Thank you. Your answer on ticket {number} has been passed to {team}.",
    "reopened_for_you": "Ticket {number} is open again with {team}; they will respond by {due}.",
    "closed_confirmed": "Ticket {number} is closed. Thank you for confirming.",
    "nothing_to_confirm": "Ticket {number} is not waiting for an answer from you.",
    "notice_auto_closed": (
        "Ticket {number} has been closed because we did not hear back from you. If the "
        "problem is still there, report it again and mention {number}."
    ),
    "notice_linked": (
        "Your ticket {number} is part of {parent}, which the helpdesk is already working on. "
        "You will get its updates here."
    ),
    "notice_via_parent": "About your ticket {number} (part of {parent}):\n{update}",
    "team_reporter_replied": "The reporter answered on {number}:\n{note}",
    "team_internal_note": "📝 Internal note on {number}: {note}",
    "ticket_linked_to_chat": (
        "Ticket {number}, which the helpdesk logged for you, will send its updates to this "
        "chat from now on."
    ),
    "email_footer": (
        "An update from the MUKTA helpdesk about ticket {number}. To answer, reply to "
        "this email or call the helpdesk."
    ),
    "team_not_solved": "The reporter says {number} is not solved yet:\n{note}",
    "sla_on_track": " · on track",
    "sla_due_soon": " · DUE SOON",
    "sla_breached": " · BREACHED",
    "sla_paused": " · paused (waiting for the reporter)",
    "sla_met": " · responded in time",
    "sla_missed": " · responded late",
    "link_line": "\nPart of {parent} ({kind})",
    "link_kind_incident": "incident",
    "link_kind_duplicate": "duplicate",
    "reminder_due_soon": (
        "Reminder: {number} ({priority}) needs a first response from {team} by {due}."
    ),
    "breach_notice": (
        "SLA breached: {number} ({priority}) passed its response time ({due}) with {team}."
    ),
    "breach_morning": (
        "Still waiting: {number} ({priority}) with {team}; the response was due {due}."
    ),
    "digest": "Daily summary for {team}: {open} open, {due_today} due today, {breached} breached.",
    "digest_line": "{number} · {priority}{sla} · due {due}",
    "ask_ticket_reply": "Type your answer about ticket {number}:",
    "jira_refused": (
        "JIRA refused the mirror's update of {ticket}: {reason}. The ticket carries on in the "
        "helpdesk; this update is not tried again, so please check the JIRA settings or the "
        "issue in JIRA."
    ),
    "jira_poll_refused": (
        "JIRA refused the mirror's look for changes: {reason}. Answers and resolutions made "
        "in JIRA do not reach the helpdesk until this is fixed; please check the JIRA settings."
    ),
    "jira_unreachable": (
        "The JIRA mirror cannot reach JIRA ({reason}). Tickets keep working in the helpdesk; "
        "JIRA is brought up to date when it is back."
    ),
    "sorry_error": (
        "Sorry, something went wrong on our side. Your message is saved and the helpdesk "
        "will see it. Please try again in a minute."
    ),
    "slow_down": (
        "You are sending messages very fast; please wait a minute, then send your last "
        "message again."
    ),
    # A reporter's message for one of several open tickets; the ULB kept from the last report
    "ask_which_ticket": "Which of your tickets is this about? Your message goes to its team.",
    "ulb_kept": "ULB: {ulb} (from your last report). For another ULB, type its name.",
}
