"""Black-box tests: `python -m bot serve` as a subprocess, configured by environment
variables only, driven over HTTP as the providers drive it, against third-party emulators.

To write one, take the `service` fixture (conftest.py): `helpdesk = service(**env).start()`
gives a `service.Service` with every channel configured (Telegram in webhook mode unless
TELEGRAM_MODE="polling", WhatsApp, JIRA, SMTP); `env` overrides settings. Then:

- `helpdesk.whatsapp(sender, text)` posts a signed Twilio webhook; `helpdesk.twilio_post`
  any other; `helpdesk.telegram_update(update)` a Telegram webhook call with the secret
  (`service.telegram_message` makes one; with `sender=`, one in a team's group); in
  polling mode, post a message to the `telegram_api` emulator's `/sendMessage` (its client
  API) for the bot's getUpdates.
- `twilio`, `telegram`, `jira` (recorder.Recorder) hold every call the service made to
  prism (Twilio's and Jira's descriptions) or telegram-test-api: `.to(path_end)`,
  `.texts_to(chat_id)`, `.wait_for(...)`; `.fail()` / `.hang()` make the provider answer
  503 or not at all. `mail_server` is the SMTP server (aiosmtpd): `.box` the mail it
  received, `.stop()` / `.start()` an outage (`mailbox`: the box and its port).
- `console.Browser(helpdesk)` is an operator's browser on the web console: `sign_in` (make
  the account first with `helpdesk.command("account", "create", ...)`), `log_call`, `act`.
- `helpdesk.stop()` (SIGTERM), `.kill()` (SIGKILL), `.start()` again on the same database,
  `.sql(...)` reads the SQLite file, `.log_entries()` the JSON log, `.command(...)` runs
  `python -m bot ...` with the same environment.
"""
