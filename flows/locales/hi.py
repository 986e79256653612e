"""Hindi (हिन्दी) texts: the same keys and placeholders as en.py."""

MESSAGES: dict[str, str] = {
    # Language and menu
    "greeting": "नमस्कार! यह ओडिशा आवास एवं शहरी विकास विभाग का MUKTASoft हेल्पडेस्क है।",
    "choose_language": "अपनी भाषा चुनें:",
    "language_set": "भाषा हिन्दी में सेट कर दी गई है।",
    "menu": "आप क्या करना चाहेंगे?",
    "menu_report": "समस्या दर्ज करें",
    "menu_continue": "मेरी अधूरी रिपोर्ट जारी रखें",
    "menu_status": "टिकट की स्थिति देखें",
    "menu_mine": "मेरे टिकट",
    "menu_language": "भाषा बदलें",
    "menu_help": "मदद",
    "menu_queue": "मेरी टीम के खुले टिकट",
    "menu_ticket": "किसी टिकट पर काम करें",
    "help": (
        "यह हेल्पडेस्क MUKTASoft ऐप की समस्याएँ दर्ज करता है और उन पर नज़र रखने के लिए "
        "आपको एक टिकट नंबर देता है।\n"
        "• विकल्प उसका नंबर भेजकर चुनें, या विकल्प का नाम लिखें।\n"
        "• मेनू: मुख्य मेनू (अधूरी रिपोर्ट सुरक्षित रहती है)\n"
        "• रद्द: अधूरी रिपोर्ट हटा दें\n"
        "• स्थिति {example}: किसी टिकट की स्थिति\n"
        "• मेरे टिकट: आपके टिकट\n"
        "• भाषा: भाषा बदलें"
    ),
    "staff_help": (
        "स्टाफ़ कमांड (मेनू से भी):\n"
        "queue · ticket {example} · take {example} · type {example} incident · "
        "priority {example} P2 · escalate {example} [टीम] · comment {example} <संदेश> · "
        "resolve {example} <नोट> · close {example} · reopen {example} <कारण> · "
        "ask {example} <…> · link MK-1002 {example} · duplicate MK-1002 {example}\n"
        "टाइप: problem, incident, change_request, bug_fix। टीमें: {teams}।"
    ),
    "hint_menu": "मुख्य मेनू के लिए “मेनू” लिखें।",
    "cancelled": "आपकी अधूरी रिपोर्ट रद्द कर दी गई। कुछ भी जमा नहीं हुआ।",
    "nothing_to_cancel": "रद्द करने के लिए कुछ नहीं था।",
    "welcome_back": (
        "फिर से स्वागत है! आपकी एक रिपोर्ट अधूरी है; जहाँ छोड़ा था, वहीं से आगे बढ़ते हैं "
        "(इसे हटाने के लिए “रद्द” लिखें)।"
    ),
    "not_understood": ("माफ़ कीजिए, यह समझ में नहीं आया। किसी विकल्प का नंबर भेजें, या “मेनू” या “रद्द” लिखें।"),
    "no_match": ("सूची में “{answer}” नहीं मिला। दिखाया गया नंबर लिखें, या नाम के पहले कुछ अक्षर लिखें।"),
    "more": "और…",
    "menu_button": "चुनें",
    # Intake
    "ask_ulb": "आप किस नगर निकाय से हैं?",
    "ask_ulb_search": (
        "आप किस नगर निकाय से हैं? उसके नाम के पहले कुछ अक्षर लिखें (जैसे “{example}”), या कोई नंबर चुनें:"
    ),
    "ulb_narrowed": "ये “{answer}” से मेल खाते हैं। एक चुनें:",
    "too_many_matches": "“{answer}” से {count} नाम मिलते हैं। कृपया कुछ और अक्षर लिखें।",
    "ask_role": "आप नगर निकाय के कर्मचारी हैं या सामुदायिक संगठन (मिशन शक्ति समूह) के सदस्य?",
    "role_ulb_employee": "नगर निकाय के कर्मचारी",
    "role_cbo_member": "सामुदायिक संगठन के सदस्य",
    "ask_name": "कृपया अपना नाम लिखें, ताकि हेल्पडेस्क को पता रहे कि किससे संपर्क करना है।",
    "use_name": "“{name}” इस्तेमाल करें",
    "name_invalid": "कृपया अपना नाम लिखें (2 से 80 अक्षर)।",
    "ask_module": "MUKTASoft के किस हिस्से में समस्या है?",
    "ask_category": "समस्या किस तरह की है?",
    "ask_description": (
        "कृपया समस्या अपने शब्दों में बताएँ: कौन-सा काम करते समय समस्या आई, क्या हुआ, "
        "और कोई एरर मैसेज आया हो तो वह भी। आप स्क्रीन की फ़ोटो भी भेज सकते हैं।"
    ),
    "description_too_short": (
        "यह थोड़ा छोटा है। कृपया समस्या को कुछ और शब्दों में बताएँ (कम से कम {minimum} अक्षर)।"
    ),
    "ask_attachments": (
        "क्या आप कोई फ़ोटो या दस्तावेज़ जोड़ना चाहेंगे (जैसे एरर का स्क्रीनशॉट)? अभी भेजें, या “आगे बढ़ें” चुनें।"
    ),
    "attachments_done": "आगे बढ़ें",
    "attachment_added": "मिल गया। आपकी रिपोर्ट में अब कुल अटैचमेंट: {count}",
    "attachment_new_report": ("आपका अटैचमेंट रख लिया गया है और उसके साथ एक नई रिपोर्ट शुरू की गई है।"),
    "description_added": "इसे विवरण में जोड़ दिया गया है।",
    "summary": (
        "कृपया अपनी रिपोर्ट जाँच लें:\n\n"
        "नगर निकाय: {ulb}\n"
        "नाम: {name} ({role})\n"
        "मॉड्यूल: {module}\n"
        "समस्या का प्रकार: {category}\n"
        "विवरण: {description}\n"
        "अटैचमेंट: {attachments}\n\n"
        "क्या इसे जमा करें?"
    ),
    "submit": "जमा करें",
    "edit_ulb": "नगर निकाय बदलें",
    "edit_contact": "नाम या भूमिका बदलें",
    "edit_module": "मॉड्यूल बदलें",
    "edit_category": "समस्या का प्रकार बदलें",
    "edit_description": "विवरण फिर से लिखें",
    "cancel_report": "रद्द करें",
    # Status
    "ask_ticket_id": "कृपया टिकट नंबर भेजें (यह {example} जैसा दिखता है)।",
    "bad_ticket_id": "यह टिकट नंबर जैसा नहीं लगता। टिकट नंबर {example} जैसा दिखता है।",
    "ticket_created": (
        "आपकी समस्या टिकट {number} के रूप में दर्ज हो गई है।\n"
        "प्राथमिकता: {priority}। हेल्पडेस्क {due} तक जवाब देगा।\n"
        "यह नंबर संभालकर रखें। स्थिति जानने के लिए भेजें: स्थिति {number}"
    ),
    "ticket_not_found": "आपका टिकट {number} नहीं मिला। कृपया नंबर जाँच लें।",
    "ticket_status": (
        "टिकट {number}: {status}\n"
        "नगर निकाय: {ulb}\n"
        "मॉड्यूल: {module}\n"
        "किसके पास: {team}\n"
        "प्राथमिकता: {priority}\n"
        "जवाब की समय-सीमा: {due}\n"
        "पिछला अपडेट: {updated}"
    ),
    "last_note": "ताज़ा टिप्पणी: {note}",
    "my_tickets": "आपके टिकट:",
    "my_tickets_none": "अभी तक आपका कोई टिकट नहीं है।",
    "my_ticket_line": "{number} · {status} · {module} · {date}",
    "no_due": "तय नहीं",
    "status_new": "प्राप्त हुआ",
    "status_in_progress": "काम चल रहा है",
    "status_escalated": "विशेषज्ञ टीम को भेजा गया",
    "status_resolved": "हल हो गया",
    "status_closed": "बंद",
    "status_reopened": "फिर से खोला गया",
    # Notices to the reporter
    "notice_taken": "टिकट {number} पर अपडेट: {team} ने इस पर काम शुरू कर दिया है।",
    "notice_escalated": ("टिकट {number} पर अपडेट: इसे {team} को भेजा गया है, वे {due} तक जवाब देंगे।"),
    "notice_comment": "टिकट {number} के बारे में हेल्पडेस्क का संदेश:\n{note}",
    "notice_resolved": "टिकट {number} पर अपडेट: हल हो गया।\n{note}\nक्या आपकी समस्या हल हो गई?",
    "notice_closed": "टिकट {number} पर अपडेट: बंद कर दिया गया।",
    "notice_reopened": "टिकट {number} पर अपडेट: फिर से खोला गया। {team} इसे दोबारा देखेंगे।",
    "notice_priority": ("टिकट {number} पर अपडेट: प्राथमिकता अब {priority} है; जवाब {due} तक मिलेगा।"),
    # Staff
    "staff_only": "यह केवल हेल्पडेस्क स्टाफ़ के लिए है।",
    "ticket_actions": "{number} के साथ आप क्या करना चाहेंगे?",
    "action_take": "अपने ज़िम्मे लें",
    "action_type": "टाइप तय करें",
    "action_priority": "प्राथमिकता तय करें",
    "action_escalate": "दूसरी टीम को भेजें",
    "action_comment": "रिपोर्टकर्ता को संदेश भेजें",
    "action_resolve": "हल करें",
    "action_close": "बंद करें",
    "action_reopen": "फिर से खोलें",
    "action_back": "मेनू पर वापस",
    "ask_type": "{number} किस टाइप का है?",
    "ask_priority": "{number} की प्राथमिकता क्या हो?",
    "ask_team": "{number} को किस टीम को भेजें?",
    "team_by_category": "उसकी श्रेणी के अनुसार (सुझाया गया)",
    "ask_comment": "{number} के रिपोर्टकर्ता के लिए संदेश लिखें:",
    "ask_resolution": "{number} के रिपोर्टकर्ता के लिए समाधान लिखें:",
    "ask_reopen_reason": "{number} को फिर से क्यों खोला जा रहा है?",
    "type_problem": "समस्या (Problem)",
    "type_incident": "घटना (Incident)",
    "type_change_request": "बदलाव अनुरोध (Change Request)",
    "type_bug_fix": "बग फ़िक्स (Bug Fix)",
    "type_unset": "तय नहीं",
    "unassigned": "अभी कोई नहीं",
    "change_take": "{number}: {assignee} ने अपने ज़िम्मे लिया",
    "change_type": "{number}: प्रकार {before} → {after}",
    "change_priority": "{number}: प्राथमिकता {before} → {after}; उत्तर की समय-सीमा {due}",
    "change_escalate": "{number}: {before} → {after}; उत्तर की समय-सीमा {due}",
    "change_comment": "{number}: रिपोर्टकर्ता को संदेश भेजा गया",
    "change_resolve": "{number}: समाधान हुआ; रिपोर्टकर्ता से पुष्टि माँगी गई",
    "change_close": "{number}: बंद किया गया",
    "change_reopen": "{number}: {team} के पास फिर से खोला गया; उत्तर की समय-सीमा {due}",
    "change_ask": "{number}: रिपोर्टकर्ता को प्रश्न भेजा गया; उत्तर आने तक समय-सीमा रुकी रहेगी",
    "change_link": "{number}: {parent} से जोड़ा गया; इसके रिपोर्टकर्ता को {parent} की जानकारी मिलेगी",
    "change_duplicate": "{number}: {parent} का डुप्लिकेट चिह्नित",
    "change_note": "{number}: आंतरिक टिप्पणी जोड़ी गई: {note}",
    "change_reply": "{number}: रिपोर्टकर्ता का उत्तर: {note}",
    "change_not_solved": "{number}: रिपोर्टकर्ता के अनुसार समाधान नहीं हुआ; {team} के पास फिर से खोला गया",
    "change_confirm": "{number}: रिपोर्टकर्ता ने समाधान की पुष्टि की; बंद किया गया",
    "change_auto_close": "{number}: बंद किया गया (रिपोर्टकर्ता का उत्तर नहीं मिला)",
    "change_status": "; {before} → {after}",
    "follow_line": "{number} ({team}) की खबर: {change}",
    "refused_not_found": "टिकट {number} मौजूद नहीं है।",
    "refused_not_your_team": (
        "{number} अभी {team} के पास है; केवल वही टीम या L1 हेल्पडेस्क इसे बदल सकते हैं।"
    ),
    "refused_transition": "{number} की स्थिति “{status}” है, इसलिए अभी {action} संभव नहीं है।",
    "refused_same_team": "{number} पहले से {team} के पास है।",
    "refused_same_priority": "{number} की प्राथमिकता पहले से {value} है।",
    "refused_note_required": "कृपया एक नोट जोड़ें: रिपोर्टकर्ता इसे पढ़ेंगे।",
    "refused_bad_value": "“{value}” यहाँ मान्य विकल्प नहीं है।",
    "refused_closed": "{number} बंद है; पहले इसे फिर से खोलें।",
    "refused_taken_already": "{name} {number} पहले ही ले चुके हैं। इसे अपने पास लेने के लिए "
    "लिखें: take {number}",
    "verb_take": "अपने ज़िम्मे लेना",
    "verb_escalate": "दूसरी टीम को भेजना",
    "verb_resolve": "हल करना",
    "verb_close": "बंद करना",
    "verb_reopen": "फिर से खोलना",
    "verb_comment": "टिप्पणी करना",
    "verb_type": "बदलना",
    "verb_priority": "बदलना",
    "queue": "{team} के खुले टिकट ({count}):",
    "queue_empty": "{team} के पास कोई खुला टिकट नहीं है।",
    "queue_line": "{number} · {priority} · {status} · {ulb} · {module} · समय-सीमा {due}{sla}",
    "queue_held_by": " · अब {team} के पास",
    "team_card": (
        "{number} · {priority} · {status}{link}\n"
        "नगर निकाय: {ulb}\n"
        "रिपोर्टकर्ता: {name} ({role}, {channel})\n"
        "मॉड्यूल: {module}\n"
        "समस्या का प्रकार: {category} → {routing}\n"
        "टाइप: {ticket_type}\n"
        "टीम: {team} · ज़िम्मेदार: {assignee}\n"
        "जवाब की समय-सीमा: {due}{sla}\n"
        "अटैचमेंट: {attachments}\n\n"
        "{description}"
    ),
    "routing_functional": "कार्यात्मक (functional)",
    "routing_technical_infra": "तकनीकी (HUDD इन्फ्रास्ट्रक्चर)",
    "routing_technical_app": "तकनीकी (ऐप / iFIX)",
    "routing_bug": "बग (bug)",
    "routing_enhancement": "सुधार (enhancement)",
    "reply_with_note": "इस संदेश का जवाब (reply) देकर लिखें।",
    "group_not_understood": "मैं यह समझ नहीं पाया। कमांड के लिए /help भेजें।",
    "stale_button": "वह बटन पिछले सवाल का है। अभी का सवाल यह है:",
    "unknown_group": (
        "यह ग्रुप MUKTA हेल्पडेस्क की किसी टीम का चैट नहीं है। इसे टीम चैट बनाने के लिए एडमिन "
        "हेल्पडेस्क कॉन्फ़िगरेशन में टीम के chats में {chat} जोड़ें। (आप {person} हैं।)"
    ),
    "voice_description": "(वॉइस नोट संलग्न)",
    "undeliverable_alert": (
        "{ticket} के बारे में {chat} को संदेश नहीं पहुँच सका: {reason}। कृपया रिपोर्ट करने वाले "
        "से किसी और तरीके से संपर्क करें।"
    ),
    "status_waiting": "आपके जवाब का इंतज़ार है",
    "action_ask": "रिपोर्टकर्ता से पूछें",
    "action_link": "किसी Problem टिकट से जोड़ें",
    "action_duplicate": "डुप्लिकेट चिह्नित करें",
    "action_note": "आंतरिक टिप्पणी",
    "ask_internal_note": "{number} पर स्टाफ़ के लिए आपकी टिप्पणी (रिपोर्टकर्ता इसे नहीं देखेंगे):",
    "verb_ask": "सवाल पूछना",
    "verb_link": "जोड़ना",
    "verb_duplicate": "डुप्लिकेट चिह्नित करना",
    "verb_note": "आंतरिक नोट लिखना",
    "ask_question": "{number} के रिपोर्टकर्ता के लिए सवाल लिखें:",
    "ask_parent": "{number} जिस टिकट का हिस्सा है, उसका नंबर भेजें (Problem टिकट या मूल टिकट):",
    "link_usage": (
        "भेजें: link {number} <Problem टिकट का नंबर>, या duplicate {number} <मूल टिकट का नंबर>।"
    ),
    "notice_ask": ("टिकट {number} के बारे में हेल्पडेस्क का एक सवाल है:\n{note}\nकृपया अपना जवाब भेजें।"),
    "confirm_yes": "हाँ, हल हो गई",
    "confirm_no": "नहीं, अभी नहीं",
    "ask_rating": "धन्यवाद! आपको मिली मदद को आप कैसा आँकेंगे? (1 = ख़राब, 5 = बहुत बढ़िया)",
    "ask_not_solved": "यह जानकर खेद है। अभी भी क्या काम नहीं कर रहा है?",
    "ask_if_solved": "क्या टिकट {number} वाली आपकी समस्या हल हो गई?",
    "thanks_rating": "आपकी प्रतिक्रिया के लिए धन्यवाद।",
    "reply_sent": "धन्यवाद। टिकट {number} पर आपका जवाब {team} को भेज दिया गया है।",
    "reopened_for_you": ("टिकट {number} फिर से खुल गया है और {team} के पास है; वे {due} तक जवाब देंगे।"),
    "closed_confirmed": "टिकट {number} बंद कर दिया गया है। पुष्टि करने के लिए धन्यवाद।",
    "nothing_to_confirm": "टिकट {number} पर आपसे किसी जवाब का इंतज़ार नहीं है।",
    "notice_auto_closed": (
        "आपसे कोई जवाब न मिलने के कारण टिकट {number} बंद कर दिया गया है। अगर समस्या अब भी "
        "है, तो उसे फिर से दर्ज करें और {number} का ज़िक्र करें।"
    ),
    "notice_linked": (
        "आपका टिकट {number}, {parent} का हिस्सा है, जिस पर हेल्पडेस्क पहले से काम कर रहा है। "
        "उसके अपडेट आपको यहीं मिलेंगे।"
    ),
    "notice_via_parent": "आपके टिकट {number} के बारे में ({parent} का हिस्सा):\n{update}",
    "team_reporter_replied": "रिपोर्टकर्ता ने {number} पर जवाब दिया:\n{note}",
    "team_internal_note": "📝 {number} पर आंतरिक टिप्पणी: {note}",
    "ticket_linked_to_chat": (
        "हेल्पडेस्क ने आपके लिए जो टिकट {number} दर्ज किया था, उसके अपडेट अब से इसी चैट में आएंगे।"
    ),
    "email_footer": (
        "टिकट {number} के बारे में MUKTA हेल्पडेस्क से अपडेट। जवाब देने के लिए इस ईमेल "
        "का उत्तर दें या हेल्पडेस्क को फ़ोन करें।"
    ),
    "team_not_solved": "रिपोर्टकर्ता के अनुसार {number} अभी हल नहीं हुआ है:\n{note}",
    "sla_on_track": " · समय पर",
    "sla_due_soon": " · समय-सीमा नज़दीक",
    "sla_breached": " · समय-सीमा पार",
    "sla_paused": " · रुका हुआ (रिपोर्टकर्ता के जवाब का इंतज़ार)",
    "sla_met": " · समय पर जवाब दिया",
    "sla_missed": " · देर से जवाब दिया",
    "link_line": "\n{parent} का हिस्सा ({kind})",
    "link_kind_incident": "घटना (incident)",
    "link_kind_duplicate": "डुप्लिकेट (duplicate)",
    "reminder_due_soon": ("रिमाइंडर: {number} ({priority}) पर {team} को {due} तक पहला जवाब देना है।"),
    "breach_notice": (
        "SLA का उल्लंघन: {number} ({priority}) {team} के पास रहते हुए जवाब की समय-सीमा "
        "({due}) पार कर गया।"
    ),
    "breach_morning": ("अब भी इंतज़ार: {number} ({priority}) {team} के पास है; जवाब {due} तक देना था।"),
    "digest": (
        "{team} का दैनिक सारांश: {open} खुले, {due_today} की समय-सीमा आज, {breached} की समय-सीमा पार।"
    ),
    "digest_line": "{number} · {priority}{sla} · समय-सीमा {due}",
    "ask_ticket_reply": "टिकट {number} के बारे में अपना जवाब लिखें:",
    "jira_refused": (
        "JIRA ने {ticket} का अपडेट स्वीकार नहीं किया: {reason}। हेल्पडेस्क में टिकट चलता रहेगा; "
        "यह अपडेट दोबारा नहीं भेजा जाएगा, कृपया JIRA की सेटिंग या JIRA में इशू जाँच लें।"
    ),
    "jira_poll_refused": (
        "JIRA ने बदलावों की जाँच स्वीकार नहीं की: {reason}। जब तक यह ठीक नहीं होता, JIRA में "
        "दिए गए जवाब और समाधान हेल्पडेस्क तक नहीं पहुँचेंगे; कृपया JIRA की सेटिंग जाँच लें।"
    ),
    "jira_unreachable": (
        "JIRA तक नहीं पहुँच पा रहे ({reason})। हेल्पडेस्क में टिकट चलते रहेंगे; "
        "JIRA लौटने पर सारे अपडेट वहाँ जोड़ दिए जाएँगे।"
    ),
    "sorry_error": (
        "माफ़ कीजिए, हमारी ओर से कुछ गड़बड़ हो गई। आपका संदेश सुरक्षित है और हेल्पडेस्क "
        "उसे देखेगा। कृपया एक मिनट बाद फिर कोशिश करें।"
    ),
    "slow_down": "आप बहुत तेज़ी से संदेश भेज रहे हैं; कृपया एक मिनट रुकें, फिर अपना पिछला संदेश दोबारा भेजें।",
    # A reporter's message for one of several open tickets; the ULB kept from the last report
    "ask_which_ticket": "यह आपके किस टिकट के बारे में है? आपका संदेश उसी की टीम को जाएगा।",
    "ulb_kept": "शहरी स्थानीय निकाय: {ulb} (आपकी पिछली रिपोर्ट से)। दूसरे निकाय के लिए उसका नाम लिखें।",
}
