"""Odia (ଓଡ଼ିଆ) texts: the same keys and placeholders as en.py."""

MESSAGES: dict[str, str] = {
    # Language and menu
    "greeting": "ନମସ୍କାର! ଏହା ଓଡ଼ିଶା ଆବାସ ଓ ନଗର ଉନ୍ନୟନ ବିଭାଗର MUKTASoft ହେଲ୍ପଡେସ୍କ।",
    "choose_language": "ଆପଣଙ୍କ ଭାଷା ବାଛନ୍ତୁ:",
    "language_set": "ଭାଷା ଓଡ଼ିଆରେ ସେଟ୍ କରାଗଲା।",
    "menu": "ଆପଣ କ’ଣ କରିବାକୁ ଚାହାଁନ୍ତି?",
    "menu_report": "ସମସ୍ୟା ଜଣାନ୍ତୁ",
    "menu_continue": "ମୋର ଅଧୁରା ରିପୋର୍ଟ ଜାରି ରଖନ୍ତୁ",
    "menu_status": "ଟିକେଟର ସ୍ଥିତି ଦେଖନ୍ତୁ",
    "menu_mine": "ମୋ ଟିକେଟ",
    "menu_language": "ଭାଷା ବଦଳାନ୍ତୁ",
    "menu_help": "ସାହାଯ୍ୟ",
    "menu_queue": "ମୋ ଟିମର ଖୋଲା ଟିକେଟ",
    "menu_ticket": "ଏକ ଟିକେଟ ଉପରେ କାମ କରନ୍ତୁ",
    "help": (
        "ଏହି ହେଲ୍ପଡେସ୍କ MUKTASoft ଆପର ସମସ୍ୟା ଗ୍ରହଣ କରେ ଏବଂ ତାହାର ଖବର ରଖିବା ପାଇଁ ଆପଣଙ୍କୁ "
        "ଏକ ଟିକେଟ ନମ୍ବର ଦିଏ।\n"
        "• ବିକଳ୍ପର ନମ୍ବର ପଠାଇ, କିମ୍ବା ବିକଳ୍ପର ନାମ ଲେଖି ବାଛନ୍ତୁ।\n"
        "• ମେନୁ: ମୁଖ୍ୟ ମେନୁ (ଅଧୁରା ରିପୋର୍ଟ ସାଇତା ରହେ)\n"
        "• ବାତିଲ: ଅଧୁରା ରିପୋର୍ଟ ବାତିଲ କରନ୍ତୁ\n"
        "• ସ୍ଥିତି {example}: ଗୋଟିଏ ଟିକେଟର ସ୍ଥିତି\n"
        "• ମୋ ଟିକେଟ: ଆପଣଙ୍କ ଟିକେଟଗୁଡ଼ିକ\n"
        "• ଭାଷା: ଭାଷା ବଦଳାନ୍ତୁ"
    ),
    "staff_help": (
        "ଷ୍ଟାଫ୍ କମାଣ୍ଡ (ମେନୁରୁ ମଧ୍ୟ ମିଳେ):\n"
        "queue · ticket {example} · take {example} · type {example} incident · "
        "priority {example} P2 · escalate {example} [ଟିମ୍] · comment {example} <ସନ୍ଦେଶ> · "
        "resolve {example} <ଟିପ୍ପଣୀ> · close {example} · reopen {example} <କାରଣ> · "
        "ask {example} <…> · link MK-1002 {example} · duplicate MK-1002 {example}\n"
        "ପ୍ରକାର (type): problem, incident, change_request, bug_fix। ଟିମ୍: {teams}।"
    ),
    "hint_menu": "ମୁଖ୍ୟ ମେନୁ ପାଇଁ “ମେନୁ” ଲେଖନ୍ତୁ।",
    "cancelled": "ଆପଣଙ୍କ ଅଧୁରା ରିପୋର୍ଟ ବାତିଲ କରାଗଲା। କିଛି ଦାଖଲ ହୋଇନାହିଁ।",
    "nothing_to_cancel": "ବାତିଲ କରିବାକୁ କିଛି ନଥିଲା।",
    "welcome_back": (
        "ପୁଣି ସ୍ୱାଗତ! ଆପଣଙ୍କର ଏକ ଅଧୁରା ରିପୋର୍ଟ ଅଛି; ଯେଉଁଠି ଛାଡ଼ିଥିଲେ ସେଠାରୁ ଆଗକୁ ବଢ଼ିବା (ଏହାକୁ ବାତିଲ କରିବାକୁ “ବାତିଲ” ଲେଖନ୍ତୁ)।"
    ),
    "not_understood": ("କ୍ଷମା କରିବେ, ଏହା ବୁଝିହେଲା ନାହିଁ। ଗୋଟିଏ ବିକଳ୍ପର ନମ୍ବର ପଠାନ୍ତୁ, କିମ୍ବା “ମେନୁ” ବା “ବାତିଲ” ଲେଖନ୍ତୁ।"),
    "no_match": ("ତାଲିକାରେ “{answer}” ମିଳିଲା ନାହିଁ। ଦେଖାଯାଇଥିବା ନମ୍ବର, କିମ୍ବା ନାମର ପ୍ରଥମ କିଛି ଅକ୍ଷର ଲେଖନ୍ତୁ।"),
    "more": "ଆହୁରି…",
    "menu_button": "ବାଛନ୍ତୁ",
    # Intake
    "ask_ulb": "ଆପଣ କେଉଁ ପୌର ସଂସ୍ଥାରୁ?",
    "ask_ulb_search": (
        "ଆପଣ କେଉଁ ପୌର ସଂସ୍ଥାରୁ? ଏହାର ନାମର ପ୍ରଥମ କିଛି ଅକ୍ଷର ଲେଖନ୍ତୁ (ଯେପରି “{example}”), କିମ୍ବା ଗୋଟିଏ ନମ୍ବର ବାଛନ୍ତୁ:"
    ),
    "ulb_narrowed": "ଏଗୁଡ଼ିକ “{answer}” ସହ ମେଳ ଖାଉଛି। ଗୋଟିଏ ବାଛନ୍ତୁ:",
    "too_many_matches": "“{answer}” ସହିତ {count}ଟି ନାମ ମେଳ ଖାଉଛି। ଦୟାକରି ଆଉ କିଛି ଅକ୍ଷର ଲେଖନ୍ତୁ।",
    "ask_role": "ଆପଣ ପୌର ସଂସ୍ଥାର କର୍ମଚାରୀ ନା ସମୁଦାୟ ସଂଗଠନ (ମିଶନ ଶକ୍ତି ଗୋଷ୍ଠୀ)ର ସଦସ୍ୟ?",
    "role_ulb_employee": "ପୌର ସଂସ୍ଥାର କର୍ମଚାରୀ",
    "role_cbo_member": "ସମୁଦାୟ ସଂଗଠନର ସଦସ୍ୟ",
    "ask_name": "ଦୟାକରି ଆପଣଙ୍କ ନାମ ଲେଖନ୍ତୁ, ଯାହାଦ୍ୱାରା ହେଲ୍ପଡେସ୍କ ଜାଣିବ କାହା ସହ ଯୋଗାଯୋଗ କରିବ।",
    "use_name": "“{name}” ବ୍ୟବହାର କରନ୍ତୁ",
    "name_invalid": "ଦୟାକରି ଆପଣଙ୍କ ନାମ ଲେଖନ୍ତୁ (2ରୁ 80 ଅକ୍ଷର)।",
    "ask_module": "MUKTASoftର କେଉଁ ଅଂଶରେ ସମସ୍ୟା ଅଛି?",
    "ask_category": "ଏହା କେଉଁ ପ୍ରକାରର ସମସ୍ୟା?",
    "ask_description": (
        "ଦୟାକରି ନିଜ ଶବ୍ଦରେ ସମସ୍ୟାଟି ବୁଝାଇ ଲେଖନ୍ତୁ: ଆପଣ କ’ଣ କରୁଥିଲେ, କ’ଣ ହେଲା, "
        "ଏବଂ କୌଣସି ତ୍ରୁଟି ସନ୍ଦେଶ ଆସିଥିଲେ ତାହା। ଆପଣ ସ୍କ୍ରିନର ଫଟୋ ମଧ୍ୟ ପଠାଇପାରିବେ।"
    ),
    "description_too_short": (
        "ଏହା ଟିକେ ଛୋଟ ହେଲା। ଦୟାକରି ଆଉ କିଛି ଶବ୍ଦରେ ସମସ୍ୟାଟି ବୁଝାଇ ଲେଖନ୍ତୁ (ଅତି କମରେ {minimum} ଅକ୍ଷର)।"
    ),
    "ask_attachments": (
        "ଆପଣ କୌଣସି ଫଟୋ ବା ଡକ୍ୟୁମେଣ୍ଟ ଯୋଡ଼ିବାକୁ ଚାହାଁନ୍ତି କି (ଯେପରି ତ୍ରୁଟିର ସ୍କ୍ରିନସଟ୍)? ଏବେ ପଠାନ୍ତୁ, କିମ୍ବା “ଆଗକୁ ବଢ଼ନ୍ତୁ” ବାଛନ୍ତୁ।"
    ),
    "attachments_done": "ଆଗକୁ ବଢ଼ନ୍ତୁ",
    "attachment_added": "ମିଳିଲା: ଆପଣଙ୍କ ରିପୋର୍ଟରେ ଏବେ {count}ଟି ସଂଲଗ୍ନ ଫାଇଲ୍ ଅଛି।",
    "attachment_new_report": ("ଆପଣଙ୍କ ସଂଲଗ୍ନ ଫାଇଲ୍ ସାଇତି ରଖାଗଲା ଏବଂ ଏହା ସହ ଏକ ନୂଆ ରିପୋର୍ଟ ଆରମ୍ଭ କରାଗଲା।"),
    "description_added": "ଏହାକୁ ବିବରଣୀରେ ଯୋଡ଼ି ଦିଆଗଲା।",
    "summary": (
        "ଦୟାକରି ଆପଣଙ୍କ ରିପୋର୍ଟ ଯାଞ୍ଚ କରନ୍ତୁ:\n\n"
        "ପୌର ସଂସ୍ଥା: {ulb}\n"
        "ନାମ: {name} ({role})\n"
        "ମଡ୍ୟୁଲ: {module}\n"
        "ସମସ୍ୟାର ପ୍ରକାର: {category}\n"
        "ବିବରଣୀ: {description}\n"
        "ସଂଲଗ୍ନ ଫାଇଲ୍: {attachments}\n\n"
        "ଏହା ଦାଖଲ କରିବେ କି?"
    ),
    "submit": "ଦାଖଲ କରନ୍ତୁ",
    "edit_ulb": "ପୌର ସଂସ୍ଥା ବଦଳାନ୍ତୁ",
    "edit_contact": "ନାମ ବା ଭୂମିକା ବଦଳାନ୍ତୁ",
    "edit_module": "ମଡ୍ୟୁଲ ବଦଳାନ୍ତୁ",
    "edit_category": "ସମସ୍ୟାର ପ୍ରକାର ବଦଳାନ୍ତୁ",
    "edit_description": "ବିବରଣୀ ପୁଣି ଲେଖନ୍ତୁ",
    "cancel_report": "ବାତିଲ",
    # Status
    "ask_ticket_id": "ଦୟାକରି ଟିକେଟ ନମ୍ବର ପଠାନ୍ତୁ (ଏହା {example} ଭଳି ଦେଖାଯାଏ)।",
    "bad_ticket_id": "ଏହା ଟିକେଟ ନମ୍ବର ଭଳି ଲାଗୁନାହିଁ। ଟିକେଟ ନମ୍ବର {example} ଭଳି ଦେଖାଯାଏ।",
    "ticket_created": (
        "ଆପଣଙ୍କ ସମସ୍ୟା ଟିକେଟ {number} ଭାବେ ପଞ୍ଜୀକୃତ ହୋଇଛି।\n"
        "ପ୍ରାଥମିକତା: {priority}। ହେଲ୍ପଡେସ୍କ {due} ସୁଦ୍ଧା ଉତ୍ତର ଦେବ।\n"
        "ଏହି ନମ୍ବର ସାଇତି ରଖନ୍ତୁ। ସ୍ଥିତି ଜାଣିବାକୁ ପଠାନ୍ତୁ: ସ୍ଥିତି {number}"
    ),
    "ticket_not_found": "ଆପଣଙ୍କ ନାମରେ ଟିକେଟ {number} ମିଳିଲା ନାହିଁ। ଦୟାକରି ନମ୍ବର ଯାଞ୍ଚ କରନ୍ତୁ।",
    "ticket_status": (
        "ଟିକେଟ {number}: {status}\n"
        "ପୌର ସଂସ୍ଥା: {ulb}\n"
        "ମଡ୍ୟୁଲ: {module}\n"
        "ଦାୟିତ୍ୱରେ ଥିବା ଟିମ୍: {team}\n"
        "ପ୍ରାଥମିକତା: {priority}\n"
        "ଉତ୍ତର ସମୟସୀମା: {due}\n"
        "ଶେଷ ଅପଡେଟ୍: {updated}"
    ),
    "last_note": "ଶେଷ ଟିପ୍ପଣୀ: {note}",
    "my_tickets": "ଆପଣଙ୍କ ଟିକେଟ:",
    "my_tickets_none": "ଆପଣଙ୍କର ଏପର୍ଯ୍ୟନ୍ତ କୌଣସି ଟିକେଟ ନାହିଁ।",
    "my_ticket_line": "{number} · {status} · {module} · {date}",
    "no_due": "ସ୍ଥିର ହୋଇନାହିଁ",
    "status_new": "ଗ୍ରହଣ କରାଯାଇଛି",
    "status_in_progress": "କାମ ଚାଲିଛି",
    "status_escalated": "ବିଶେଷଜ୍ଞ ଟିମକୁ ପଠାଯାଇଛି",
    "status_resolved": "ସମାଧାନ ହୋଇଛି",
    "status_closed": "ବନ୍ଦ",
    "status_reopened": "ପୁଣି ଖୋଲାଯାଇଛି",
    # Notices to the reporter
    "notice_taken": "ଟିକେଟ {number} ଅପଡେଟ୍: {team} ଏହା ଉପରେ କାମ ଆରମ୍ଭ କରିଛନ୍ତି।",
    "notice_escalated": ("ଟିକେଟ {number} ଅପଡେଟ୍: ଏହାକୁ {team} ପାଖକୁ ପଠାଯାଇଛି, ସେମାନେ {due} ସୁଦ୍ଧା ଉତ୍ତର ଦେବେ।"),
    "notice_comment": "ଟିକେଟ {number} ବିଷୟରେ ହେଲ୍ପଡେସ୍କର ସନ୍ଦେଶ:\n{note}",
    "notice_resolved": "ଟିକେଟ {number} ଅପଡେଟ୍: ସମାଧାନ ହୋଇଛି।\n{note}\nଆପଣଙ୍କ ସମସ୍ୟା ସମାଧାନ ହୋଇଛି କି?",
    "notice_closed": "ଟିକେଟ {number} ଅପଡେଟ୍: ବନ୍ଦ କରାଗଲା।",
    "notice_reopened": "ଟିକେଟ {number} ଅପଡେଟ୍: ପୁଣି ଖୋଲାଗଲା। {team} ଏହାକୁ ପୁଣି ଦେଖିବେ।",
    "notice_priority": ("ଟିକେଟ {number} ଅପଡେଟ୍: ପ୍ରାଥମିକତା ଏବେ {priority}; {due} ସୁଦ୍ଧା ଉତ୍ତର ମିଳିବ।"),
    # Staff
    "staff_only": "ଏହା କେବଳ ହେଲ୍ପଡେସ୍କ କର୍ମଚାରୀଙ୍କ ପାଇଁ।",
    "ticket_actions": "{number} ସହ ଆପଣ କ’ଣ କରିବାକୁ ଚାହାଁନ୍ତି?",
    "action_take": "ନିଜ ଦାୟିତ୍ୱରେ ନିଅନ୍ତୁ",
    "action_type": "ପ୍ରକାର ବାଛନ୍ତୁ",
    "action_priority": "ପ୍ରାଥମିକତା ବାଛନ୍ତୁ",
    "action_escalate": "ଅନ୍ୟ ଟିମକୁ ପଠାନ୍ତୁ",
    "action_comment": "ରିପୋର୍ଟକାରୀଙ୍କୁ ସନ୍ଦେଶ ପଠାନ୍ତୁ",
    "action_resolve": "ସମାଧାନ କରନ୍ତୁ",
    "action_close": "ବନ୍ଦ କରନ୍ତୁ",
    "action_reopen": "ପୁଣି ଖୋଲନ୍ତୁ",
    "action_back": "ମେନୁକୁ ଫେରନ୍ତୁ",
    "ask_type": "{number} କେଉଁ ପ୍ରକାରର?",
    "ask_priority": "{number} ପାଇଁ କେଉଁ ପ୍ରାଥମିକତା?",
    "ask_team": "{number} କେଉଁ ଟିମକୁ ପଠାଇବେ?",
    "team_by_category": "ଏହାର ବର୍ଗ ଅନୁସାରେ (ସୁପାରିଶ କରାଯାଏ)",
    "ask_comment": "{number}ର ରିପୋର୍ଟକାରୀଙ୍କ ପାଇଁ ସନ୍ଦେଶ ଲେଖନ୍ତୁ:",
    "ask_resolution": "{number}ର ରିପୋର୍ଟକାରୀଙ୍କ ପାଇଁ ସମାଧାନ ଲେଖନ୍ତୁ:",
    "ask_reopen_reason": "{number} କାହିଁକି ପୁଣି ଖୋଲାଯାଉଛି?",
    "type_problem": "ସମସ୍ୟା (Problem)",
    "type_incident": "ଘଟଣା (Incident)",
    "type_change_request": "ପରିବର୍ତ୍ତନ ଅନୁରୋଧ (Change Request)",
    "type_bug_fix": "ବଗ୍ ସୁଧାର (Bug Fix)",
    "type_unset": "ସ୍ଥିର ହୋଇନାହିଁ",
    "unassigned": "ଏପର୍ଯ୍ୟନ୍ତ କେହି ନାହାନ୍ତି",
    "change_take": "{number}: {assignee} ନିଜ ଦାୟିତ୍ୱରେ ନେଲେ",
    "change_type": "{number}: ପ୍ରକାର {before} → {after}",
    "change_priority": "{number}: ପ୍ରାଥମିକତା {before} → {after}; ଉତ୍ତର ସମୟସୀମା {due}",
    "change_escalate": "{number}: {before} → {after}; ଉତ୍ତର ସମୟସୀମା {due}",
    "change_comment": "{number}: ରିପୋର୍ଟକାରୀଙ୍କୁ ସନ୍ଦେଶ ପଠାଗଲା",
    "change_resolve": "{number}: ସମାଧାନ ହେଲା; ରିପୋର୍ଟକାରୀଙ୍କୁ ନିଶ୍ଚିତ କରିବାକୁ ପଚରାଗଲା",
    "change_close": "{number}: ବନ୍ଦ କରାଗଲା",
    "change_reopen": "{number}: {team} ପାଖରେ ପୁଣି ଖୋଲାଗଲା; ଉତ୍ତର ସମୟସୀମା {due}",
    "change_ask": "{number}: ରିପୋର୍ଟକାରୀଙ୍କୁ ପ୍ରଶ୍ନ ପଠାଗଲା; ଉତ୍ତର ଆସିବା ପର୍ଯ୍ୟନ୍ତ ସମୟସୀମା ଅଟକି ରହିବ",
    "change_link": "{number}: {parent} ସହ ଯୋଡ଼ାଗଲା; ଏହାର ରିପୋର୍ଟକାରୀ {parent}ର ଅପଡେଟ୍ ପାଇବେ",
    "change_duplicate": "{number}: {parent}ର ଡୁପ୍ଲିକେଟ୍ ଭାବେ ଚିହ୍ନିତ",
    "change_note": "{number}: ଆଭ୍ୟନ୍ତରୀଣ ଟିପ୍ପଣୀ ଯୋଡ଼ାଗଲା: {note}",
    "change_reply": "{number}: ରିପୋର୍ଟକାରୀଙ୍କ ଉତ୍ତର: {note}",
    "change_not_solved": "{number}: ରିପୋର୍ଟକାରୀ କହୁଛନ୍ତି ସମାଧାନ ହୋଇନାହିଁ; {team} ପାଖରେ ପୁଣି ଖୋଲାଗଲା",
    "change_confirm": "{number}: ରିପୋର୍ଟକାରୀ ସମାଧାନ ନିଶ୍ଚିତ କଲେ; ବନ୍ଦ କରାଗଲା",
    "change_auto_close": "{number}: ବନ୍ଦ କରାଗଲା (ରିପୋର୍ଟକାରୀଙ୍କ ଉତ୍ତର ମିଳିଲା ନାହିଁ)",
    "change_status": "; {before} → {after}",
    "follow_line": "{number} ({team}) ର ଖବର: {change}",
    "refused_not_found": "ଟିକେଟ {number} ନାହିଁ।",
    "refused_not_your_team": ("{number} {team} ପାଖରେ ଅଛି; କେବଳ ସେହି ଟିମ୍ କିମ୍ବା L1 ହେଲ୍ପଡେସ୍କ ଏହାକୁ ବଦଳାଇପାରିବେ।"),
    "refused_transition": "{number}ର ସ୍ଥିତି “{status}”, ତେଣୁ ଏବେ {action} ସମ୍ଭବ ନୁହେଁ।",
    "refused_same_team": "{number} ପୂର୍ବରୁ {team} ପାଖରେ ଅଛି।",
    "refused_same_priority": "{number}ର ପ୍ରାଥମିକତା ପୂର୍ବରୁ {value} ଅଛି।",
    "refused_note_required": "ଦୟାକରି ଏକ ଟିପ୍ପଣୀ ଯୋଡ଼ନ୍ତୁ: ରିପୋର୍ଟକାରୀ ଏହା ପଢ଼ିବେ।",
    "refused_bad_value": "“{value}” ଏଠାରେ ଏକ ବୈଧ ବିକଳ୍ପ ନୁହେଁ।",
    "refused_closed": "{number} ବନ୍ଦ ଅଛି; ପ୍ରଥମେ ଏହାକୁ ପୁଣି ଖୋଲନ୍ତୁ।",
    "refused_taken_already": "{name} {number} ନିଜ ଦାୟିତ୍ୱରେ ନେଇସାରିଛନ୍ତି। ଆପଣ ନେବାକୁ ଚାହିଁଲେ "
    "ଲେଖନ୍ତୁ: take {number}",
    "verb_take": "ନିଜ ଦାୟିତ୍ୱରେ ନେବା",
    "verb_escalate": "ଅନ୍ୟ ଟିମକୁ ପଠାଇବା",
    "verb_resolve": "ସମାଧାନ କରିବା",
    "verb_close": "ବନ୍ଦ କରିବା",
    "verb_reopen": "ପୁଣି ଖୋଲିବା",
    "verb_comment": "ମନ୍ତବ୍ୟ ଦେବା",
    "verb_type": "ବଦଳାଇବା",
    "verb_priority": "ବଦଳାଇବା",
    "queue": "{team} ପାଖରେ ଖୋଲା ଟିକେଟ ({count}):",
    "queue_empty": "{team} ପାଖରେ କୌଣସି ଖୋଲା ଟିକେଟ ନାହିଁ।",
    "queue_line": "{number} · {priority} · {status} · {ulb} · {module} · ସମୟସୀମା {due}{sla}",
    "queue_held_by": " · ଏବେ {team} ପାଖରେ",
    "team_card": (
        "{number} · {priority} · {status}{link}\n"
        "ULB: {ulb}\n"
        "ରିପୋର୍ଟକାରୀ: {name} ({role}, {channel})\n"
        "ମଡ୍ୟୁଲ: {module}\n"
        "ସମସ୍ୟାର ପ୍ରକାର: {category} → {routing}\n"
        "ଟିକେଟ ପ୍ରକାର (type): {ticket_type}\n"
        "ଟିମ୍: {team} · ଦାୟିତ୍ୱରେ: {assignee}\n"
        "ଉତ୍ତର ସମୟସୀମା: {due}{sla}\n"
        "ସଂଲଗ୍ନ ଫାଇଲ୍: {attachments}\n\n"
        "{description}"
    ),
    "routing_functional": "କାର୍ଯ୍ୟଗତ (functional)",
    "routing_technical_infra": "ବୈଷୟିକ (HUDD ଇନଫ୍ରାଷ୍ଟ୍ରକଚର)",
    "routing_technical_app": "ବୈଷୟିକ (ଆପ / iFIX)",
    "routing_bug": "ବଗ୍ (bug)",
    "routing_enhancement": "ଉନ୍ନତି (enhancement)",
    "reply_with_note": "ଏହି ମେସେଜର ଉତ୍ତର (reply) ଭାବେ ଲେଖା ପଠାନ୍ତୁ।",
    "group_not_understood": "ମୁଁ ଏହା ବୁଝିପାରିଲି ନାହିଁ। କମାଣ୍ଡ ପାଇଁ /help ପଠାନ୍ତୁ।",
    "stale_button": "ସେହି ବଟନଟି ଆଗର ଏକ ପ୍ରଶ୍ନର। ଏବେର ପ୍ରଶ୍ନଟି ଏହା:",
    "unknown_group": (
        "ଏହି ଗ୍ରୁପ୍ MUKTA ହେଲ୍ପଡେସ୍କର କୌଣସି ଟିମ୍ ଚାଟ୍ ନୁହେଁ। ଏହାକୁ ଟିମ୍ ଚାଟ୍ କରିବାକୁ ଜଣେ ଆଡମିନ୍ "
        "ହେଲ୍ପଡେସ୍କ କନଫିଗରେସନରେ ଟିମର chats ରେ {chat} ଯୋଡ଼ନ୍ତୁ। (ଆପଣ {person})"
    ),
    "voice_description": "(ଭଏସ୍ ନୋଟ୍ ସଂଲଗ୍ନ)",
    "undeliverable_alert": (
        "{ticket} ବିଷୟରେ {chat} କୁ ମେସେଜ୍ ପଠାଇ ହେଲା ନାହିଁ: {reason}। ଦୟାକରି ରିପୋର୍ଟରଙ୍କ ସହ "
        "ଅନ୍ୟ ଉପାୟରେ ଯୋଗାଯୋଗ କରନ୍ତୁ।"
    ),
    "status_waiting": "ଆପଣଙ୍କ ଉତ୍ତର ଅପେକ୍ଷାରେ",
    "action_ask": "ରିପୋର୍ଟକାରୀଙ୍କୁ ପଚାରନ୍ତୁ",
    "action_link": "ଏକ Problem ଟିକେଟ ସହ ଯୋଡ଼ନ୍ତୁ",
    "action_duplicate": "ଡୁପ୍ଲିକେଟ୍ ଭାବେ ଚିହ୍ନିତ କରନ୍ତୁ",
    "action_note": "ଆଭ୍ୟନ୍ତରୀଣ ଟିପ୍ପଣୀ",
    "ask_internal_note": "{number} ପାଇଁ କର୍ମଚାରୀଙ୍କ ନିମନ୍ତେ ଆପଣଙ୍କ ଟିପ୍ପଣୀ (ରିପୋର୍ଟକାରୀ ଏହା ଦେଖିପାରିବେ ନାହିଁ):",
    "verb_ask": "ପ୍ରଶ୍ନ ପଚାରିବା",
    "verb_link": "ଯୋଡ଼ିବା",
    "verb_duplicate": "ଡୁପ୍ଲିକେଟ୍ ଭାବେ ଚିହ୍ନିତ କରିବା",
    "verb_note": "ଆଭ୍ୟନ୍ତରୀଣ ନୋଟ୍ ଲେଖିବା",
    "ask_question": "{number}ର ରିପୋର୍ଟକାରୀଙ୍କ ପାଇଁ ପ୍ରଶ୍ନ ଲେଖନ୍ତୁ:",
    "ask_parent": ("{number} ଯେଉଁ ଟିକେଟର ଅଂଶ, ସେହି ଟିକେଟର ନମ୍ବର ପଠାନ୍ତୁ (Problem ଟିକେଟ କିମ୍ବା ମୂଳ ଟିକେଟ):"),
    "link_usage": (
        "ପଠାନ୍ତୁ: link {number} <Problem ଟିକେଟର ନମ୍ବର>, କିମ୍ବା duplicate {number} <ମୂଳ ଟିକେଟର ନମ୍ବର>।"
    ),
    "notice_ask": ("ଟିକେଟ {number} ବିଷୟରେ ହେଲ୍ପଡେସ୍କର ଏକ ପ୍ରଶ୍ନ ଅଛି:\n{note}\nଦୟାକରି ଆପଣଙ୍କ ଉତ୍ତର ପଠାନ୍ତୁ।"),
    "confirm_yes": "ହଁ, ସମାଧାନ ହୋଇଛି",
    "confirm_no": "ନା, ଏପର୍ଯ୍ୟନ୍ତ ନୁହେଁ",
    "ask_rating": "ଧନ୍ୟବାଦ! ଆପଣ ପାଇଥିବା ସାହାଯ୍ୟ କେମିତି ଲାଗିଲା? (1 = ଖରାପ, 5 = ବହୁତ ଭଲ)",
    "ask_not_solved": "ଏହା ଶୁଣି ଦୁଃଖିତ। କ’ଣ ଏବେ ବି କାମ କରୁନାହିଁ?",
    "ask_if_solved": "ଟିକେଟ {number}ର ଆପଣଙ୍କ ସମସ୍ୟା ସମାଧାନ ହୋଇଛି କି?",
    "thanks_rating": "ଆପଣଙ୍କ ମତାମତ ପାଇଁ ଧନ୍ୟବାଦ।",
    "reply_sent": "ଧନ୍ୟବାଦ। ଟିକେଟ {number} ବିଷୟରେ ଆପଣଙ୍କ ଉତ୍ତର {team} ପାଖକୁ ପଠାଯାଇଛି।",
    "reopened_for_you": ("ଟିକେଟ {number} ପୁଣି ଖୋଲାଯାଇଛି ଏବଂ {team} ପାଖରେ ଅଛି; ସେମାନେ {due} ସୁଦ୍ଧା ଉତ୍ତର ଦେବେ।"),
    "closed_confirmed": "ଟିକେଟ {number} ବନ୍ଦ କରାଗଲା। ନିଶ୍ଚିତ କରିଥିବାରୁ ଧନ୍ୟବାଦ।",
    "nothing_to_confirm": "ଟିକେଟ {number} ପାଇଁ ଆପଣଙ୍କଠାରୁ କୌଣସି ଉତ୍ତର ଅପେକ୍ଷା କରାଯାଉନାହିଁ।",
    "notice_auto_closed": (
        "ଆପଣଙ୍କଠାରୁ କୌଣସି ଉତ୍ତର ନ ମିଳିବାରୁ ଟିକେଟ {number} ବନ୍ଦ କରାଗଲା। ଯଦି ସମସ୍ୟା ଏବେ ବି "
        "ରହିଛି, ପୁଣି ରିପୋର୍ଟ କରନ୍ତୁ ଏବଂ {number} ଉଲ୍ଲେଖ କରନ୍ତୁ।"
    ),
    "notice_linked": (
        "ଆପଣଙ୍କ ଟିକେଟ {number}, {parent}ର ଅଂଶ, ଯାହା ଉପରେ ହେଲ୍ପଡେସ୍କ ପୂର୍ବରୁ କାମ କରୁଛି। ଏହାର ଅପଡେଟ୍ ଆପଣ ଏଠାରେ ପାଇବେ।"
    ),
    "notice_via_parent": "ଆପଣଙ୍କ ଟିକେଟ {number} ବିଷୟରେ ({parent}ର ଅଂଶ):\n{update}",
    "team_reporter_replied": "{number} ବିଷୟରେ ରିପୋର୍ଟକାରୀଙ୍କ ଉତ୍ତର:\n{note}",
    "team_internal_note": "📝 {number} ଉପରେ ଆଭ୍ୟନ୍ତରୀଣ ଟିପ୍ପଣୀ: {note}",
    "ticket_linked_to_chat": "ହେଲ୍ପଡେସ୍କ ଆପଣଙ୍କ ପାଇଁ ଦର୍ଜ କରିଥିବା ଟିକେଟ {number} ର ଅପଡେଟ୍ ଏବେଠାରୁ ଏହି ଚାଟ୍‌ରେ ଆସିବ।",
    "email_footer": (
        "ଟିକେଟ {number} ବିଷୟରେ MUKTA ହେଲ୍ପଡେସ୍କରୁ ଅପଡେଟ୍। ଉତ୍ତର ଦେବାକୁ ଏହି ଇମେଲ୍‌ର "
        "ଉତ୍ତର ଦିଅନ୍ତୁ କିମ୍ବା ହେଲ୍ପଡେସ୍କକୁ ଫୋନ୍ କରନ୍ତୁ।"
    ),
    "team_not_solved": "ରିପୋର୍ଟକାରୀ କହୁଛନ୍ତି {number} ଏପର୍ଯ୍ୟନ୍ତ ସମାଧାନ ହୋଇନାହିଁ:\n{note}",
    "sla_on_track": " · ସମୟସୀମା ଭିତରେ",
    "sla_due_soon": " · ସମୟସୀମା ପାଖେଇ ଆସୁଛି",
    "sla_breached": " · ସମୟସୀମା ଅତିକ୍ରମ ହୋଇଛି",
    "sla_paused": " · ସ୍ଥଗିତ (ରିପୋର୍ଟକାରୀଙ୍କ ଉତ୍ତର ଅପେକ୍ଷାରେ)",
    "sla_met": " · ସମୟ ଭିତରେ ଉତ୍ତର ଦିଆଯାଇଛି",
    "sla_missed": " · ବିଳମ୍ବରେ ଉତ୍ତର ଦିଆଯାଇଛି",
    "link_line": "\n{parent}ର ଅଂଶ ({kind})",
    "link_kind_incident": "ଘଟଣା (incident)",
    "link_kind_duplicate": "ଡୁପ୍ଲିକେଟ୍ (duplicate)",
    "reminder_due_soon": ("ସ୍ମାରକ: {number} ({priority}) ପାଇଁ {team}ଙ୍କୁ {due} ସୁଦ୍ଧା ପ୍ରଥମ ଉତ୍ତର ଦେବାକୁ ହେବ।"),
    "breach_notice": (
        "SLA ଅତିକ୍ରମ: {number} ({priority}) {team} ପାଖରେ ଥାଇ ଉତ୍ତର ସମୟସୀମା ({due}) ପାର କରିଛି।"
    ),
    "breach_morning": (
        "ଏବେ ବି ଅପେକ୍ଷାରେ: {number} ({priority}) {team} ପାଖରେ ଅଛି; ଉତ୍ତର ସମୟସୀମା {due} ଥିଲା।"
    ),
    "digest": (
        "{team} ପାଇଁ ଦୈନିକ ସାରାଂଶ: {open}ଟି ଖୋଲା, {due_today}ଟିର ସମୟସୀମା ଆଜି, {breached}ଟିର ସମୟସୀମା ଅତିକ୍ରମ।"
    ),
    "digest_line": "{number} · {priority}{sla} · ସମୟସୀମା {due}",
    "ask_ticket_reply": "ଟିକେଟ {number} ବିଷୟରେ ଆପଣଙ୍କ ଉତ୍ତର ଲେଖନ୍ତୁ:",
    "jira_refused": (
        "JIRA {ticket}ର ଅପଡେଟ୍ ଗ୍ରହଣ କଲା ନାହିଁ: {reason}। ହେଲ୍ପଡେସ୍କରେ ଟିକେଟ ଚାଲୁ ରହିବ; "
        "ଏହି ଅପଡେଟ୍ ପୁଣି ପଠାଯିବ ନାହିଁ, ଦୟାକରି JIRA ସେଟିଂ କିମ୍ବା JIRAରେ ଇସୁଟି ଯାଞ୍ଚ କରନ୍ତୁ।"
    ),
    "jira_poll_refused": (
        "JIRA ପରିବର୍ତ୍ତନ ଯାଞ୍ଚ ଗ୍ରହଣ କଲା ନାହିଁ: {reason}। ଏହା ଠିକ୍ ନହେବା ପର୍ଯ୍ୟନ୍ତ JIRAରେ "
        "ଦିଆଯାଇଥିବା ଉତ୍ତର ଓ ସମାଧାନ ହେଲ୍ପଡେସ୍କରେ ପହଞ୍ଚିବ ନାହିଁ; ଦୟାକରି JIRA ସେଟିଂ ଯାଞ୍ଚ କରନ୍ତୁ।"
    ),
    "jira_unreachable": (
        "JIRA ସହ ଯୋଗାଯୋଗ ହୋଇପାରୁନାହିଁ ({reason})। ହେଲ୍ପଡେସ୍କରେ ଟିକେଟ ଚାଲୁ ରହିବ; "
        "JIRA ଫେରିଲେ ସବୁ ଅପଡେଟ୍ ସେଠାରେ ଯୋଡ଼ାଯିବ।"
    ),
    "sorry_error": (
        "କ୍ଷମା କରିବେ, ଆମ ପକ୍ଷରୁ କିଛି ଅସୁବିଧା ହେଲା। ଆପଣଙ୍କ ସନ୍ଦେଶ ସାଇତା ହୋଇଛି ଏବଂ ହେଲ୍ପଡେସ୍କ "
        "ଏହାକୁ ଦେଖିବ। ଦୟାକରି ଏକ ମିନିଟ ପରେ ପୁଣି ଚେଷ୍ଟା କରନ୍ତୁ।"
    ),
    "slow_down": (
        "ଆପଣ ବହୁତ ଶୀଘ୍ର ସନ୍ଦେଶ ପଠାଉଛନ୍ତି; ଦୟାକରି ଏକ ମିନିଟ ଅପେକ୍ଷା କରନ୍ତୁ, ତା'ପରେ ଆପଣଙ୍କ ଶେଷ ସନ୍ଦେଶଟି ପୁଣି ପଠାନ୍ତୁ।"
    ),
    # A reporter's message for one of several open tickets; the ULB kept from the last report
    "ask_which_ticket": "ଏହା ଆପଣଙ୍କ କେଉଁ ଟିକେଟ ବିଷୟରେ? ଆପଣଙ୍କ ସନ୍ଦେଶ ସେହି ଟିକେଟର ଦଳ ପାଖକୁ ଯିବ।",
    "ulb_kept": "ସହରାଞ୍ଚଳ ସ୍ଥାନୀୟ ସଂସ୍ଥା: {ulb} (ଆପଣଙ୍କ ଗତ ରିପୋର୍ଟରୁ)। ଅନ୍ୟ ସଂସ୍ଥା ପାଇଁ ତାହାର ନାମ ଲେଖନ୍ତୁ।",
}
