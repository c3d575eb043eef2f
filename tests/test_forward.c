/*
 * test_forward.c: leads that reach the inbox through the team (spec 6,
 * v2): forwarded by a colleague (each mail client's inline layout, in
 * English, German, French and Spanish, and as an attached message),
 * relayed by the group that is the inbox (Google Groups, with and
 * without its DMARC rewrite of From), and form notifications that do
 * not give the lead's address. One table; every case is a whole message
 * read with the team below.
 */
#include "testlib.h"

#include "lead.h"

/* The team: the inbox sales@example.com, owners dana and erik. */
#define TEAM_INBOX	"sales@example.com"

/* A forward from `from` with subject and text/plain body. */
#define FWD(from, subject, body) \
	"From: " from "\nTo: " TEAM_INBOX "\nSubject: " subject "\n" \
	"Date: Thu, 28 Oct 2021 08:00:00 +0200\nMessage-ID: <f1@example.com>\n" \
	"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n" \
	"Content-Transfer-Encoding: 8bit\n\n" body
#define DANA	"Dana Berg <dana@example.com>"
#define JANE_TEXT "Hello, we need a quote for 20 welding robots for our " \
	"plant in Linz.\nBest regards, Jane\n"

struct fwd_case {
	const char *what;
	const char *raw;
	const char *email, *name, *forwarded_by, *relayed_by, *subject;
	const char *date;	/* ISO 8601 of the lead's date; NULL: any */
	const char *body_has, *body_lacks, *company;
	int is_auto;		/* -1: not checked */
	gboolean no_address;
	gboolean bare;		/* read without the team's addresses */
};

static const struct fwd_case cases[] = {
	/* --- forwards, inline ------------------------------------------- */
	{ "Gmail, English",
	  FWD(DANA, "Fwd: Quote for 20 robots", "FYI, came to me directly.\n\n"
	  "---------- Forwarded message ---------\n"
	  "From: Jane Doe <jane@acme.de>\n"
	  "Date: Wed, Oct 27, 2021 at 9:31\xe2\x80\xaf" "AM\n"
	  "Subject: Quote for 20 robots\nTo: Dana Berg <dana@example.com>\n\n"
	  JANE_TEXT),
	  "jane@acme.de", "Jane Doe", "dana@example.com", NULL,
	  "Quote for 20 robots", "2021-10-27T09:31:00+02", "welding robots",
	  "FYI", NULL, 0, FALSE, FALSE },
	{ "Gmail, German",
	  FWD(DANA, "Fwd: Angebot", "---------- Forwarded message ---------\n"
	  "Von: Jana Vogel <jana@vogel-bau.de>\n"
	  "Date: Mi., 27. Okt. 2021 um 09:31 Uhr\nSubject: Angebot\n"
	  "To: <dana@example.com>\n\nGuten Tag, wir brauchen ein Angebot.\n"),
	  "jana@vogel-bau.de", "Jana Vogel", "dana@example.com", NULL,
	  "Angebot", "2021-10-27T09:31:00+02", "wir brauchen", NULL, NULL, 0,
	  FALSE, FALSE },
	{ "Gmail, French (no-break space before the colon)",
	  FWD(DANA, "Fwd: Devis", "---------- Forwarded message ---------\n"
	  "De\xc2\xa0: Jean Martin <jean@martin-sa.fr>\n"
	  "Date: mer. 27 oct. 2021 \xc3\xa0 09:31\nSubject: Devis\n"
	  "To: <dana@example.com>\n\nBonjour, pourriez-vous nous envoyer un "
	  "devis ?\n"),
	  "jean@martin-sa.fr", "Jean Martin", "dana@example.com", NULL, "Devis",
	  "2021-10-27T09:31:00+02", "pourriez-vous", NULL, NULL, 0, FALSE, FALSE },
	{ "Gmail, Spanish",
	  FWD(DANA, "Fwd: Presupuesto", "---------- Forwarded message "
	  "---------\nDe: Lucía Gil <lucia@gil-sl.es>\n"
	  "Date: mié, 27 oct 2021 a las 9:31\nSubject: Presupuesto\n"
	  "To: <dana@example.com>\n\nHola, necesitamos un presupuesto.\n"),
	  "lucia@gil-sl.es", "Lucía Gil", "dana@example.com", NULL,
	  "Presupuesto", "2021-10-27T09:31:00+02", "necesitamos", NULL, NULL, 0,
	  FALSE, FALSE },
	{ "Outlook desktop, English: no marker, FW:",
	  FWD(DANA, "FW: Quote for 20 robots", "Can someone take this?\n\n"
	  "From: Jane Doe <jane@acme.de>\n"
	  "Sent: Wednesday, October 27, 2021 9:31 AM\n"
	  "To: Dana Berg <dana@example.com>\nSubject: Quote for 20 robots\n\n"
	  JANE_TEXT),
	  "jane@acme.de", "Jane Doe", "dana@example.com", NULL,
	  "Quote for 20 robots", "2021-10-27T09:31:00+02", "welding robots",
	  "take this", NULL, 0, FALSE, FALSE },
	{ "Outlook desktop, German: [mailto:], WG:",
	  FWD(DANA, "WG: Angebot", "\nVon: Jana Vogel [mailto:jana@vogel-bau.de]\n"
	  "Gesendet: Mittwoch, 27. Oktober 2021 09:31\n"
	  "An: Dana Berg; Erik Lund\nBetreff: Angebot\n\n"
	  "Guten Tag, wir brauchen ein Angebot.\n"),
	  "jana@vogel-bau.de", "Jana Vogel", "dana@example.com", NULL,
	  "Angebot", "2021-10-27T09:31:00+02", "wir brauchen", NULL, NULL, 0,
	  FALSE, FALSE },
	{ "Outlook desktop, French: TR:, no-break spaces",
	  FWD(DANA, "TR: Devis", "De\xc2\xa0: Jean Martin <jean@martin-sa.fr>\n"
	  "Envoy\xc3\xa9\xc2\xa0: mercredi 27 octobre 2021 09:31\n"
	  "\xc3\x80\xc2\xa0: Dana Berg <dana@example.com>\n"
	  "Objet\xc2\xa0: Devis\n\nBonjour, un devis svp.\n"),
	  "jean@martin-sa.fr", "Jean Martin", "dana@example.com", NULL, "Devis",
	  "2021-10-27T09:31:00+02", "un devis", NULL, NULL, 0, FALSE, FALSE },
	{ "Outlook desktop, Spanish: RV:",
	  FWD(DANA, "RV: Presupuesto", "De: Lucía Gil <lucia@gil-sl.es>\n"
	  "Enviado el: miércoles, 27 de octubre de 2021 9:31\n"
	  "Para: Dana Berg <dana@example.com>\nAsunto: Presupuesto\n\n"
	  "Hola, necesitamos un presupuesto.\n"),
	  "lucia@gil-sl.es", "Lucía Gil", "dana@example.com", NULL,
	  "Presupuesto", "2021-10-27T09:31:00+02", "necesitamos", NULL, NULL, 0,
	  FALSE, FALSE },
	{ "Outlook on the web: a line of underscores, Fw:",
	  FWD(DANA, "Fw: Quote for 20 robots", "\n\n"
	  "________________________________\n"
	  "From: Jane Doe <jane@acme.de>\n"
	  "Sent: Wednesday, October 27, 2021 09:31\n"
	  "To: dana@example.com <dana@example.com>\n"
	  "Subject: Quote for 20 robots\n\n" JANE_TEXT),
	  "jane@acme.de", "Jane Doe", "dana@example.com", NULL,
	  "Quote for 20 robots", "2021-10-27T09:31:00+02", "welding robots",
	  NULL, NULL, 0, FALSE, FALSE },
	{ "Apple Mail, English: quoted block",
	  FWD(DANA, "Fwd: Quote for 20 robots", "Sent from my iPhone\n\n"
	  "> Begin forwarded message:\n>\n> From: Jane Doe <jane@acme.de>\n"
	  "> Subject: Quote for 20 robots\n"
	  "> Date: 27 October 2021 at 09:31:00 CEST\n"
	  "> To: dana@example.com\n>\n> Hello, we need a quote for 20 welding "
	  "robots.\n> Best regards, Jane\n"),
	  "jane@acme.de", "Jane Doe", "dana@example.com", NULL,
	  "Quote for 20 robots", "2021-10-27T09:31:00+02", "welding robots",
	  "> ", NULL, 0, FALSE, FALSE },
	{ "iPhone: the marker unquoted, the block quoted below it",
	  FWD(DANA, "Fwd: Quote for 20 robots", "\nSent from my iPhone\n\n"
	  "Begin forwarded message:\n\n> From: Jane Doe <jane@acme.de>\n"
	  "> Date: 27 October 2021 at 09:31:00 CEST\n> To: dana@example.com\n"
	  "> Subject: Quote for 20 robots\n>\n> Hello, we need a quote for 20 "
	  "welding robots.\n"),
	  "jane@acme.de", "Jane Doe", "dana@example.com", NULL,
	  "Quote for 20 robots", "2021-10-27T09:31:00+02", "welding robots",
	  "iPhone", NULL, 0, FALSE, FALSE },
	{ "Gmail's bold sender name as text",
	  FWD(DANA, "Fwd: Quote", "---------- Forwarded message ---------\n"
	  "From: *Jane Doe* <jane@acme.de>\nDate: Wed, Oct 27, 2021 at 9:31 AM\n"
	  "Subject: Quote\nTo: <dana@example.com>\n\n" JANE_TEXT),
	  "jane@acme.de", "Jane Doe", "dana@example.com", NULL, "Quote", NULL,
	  NULL, NULL, NULL, 0, FALSE, FALSE },
	{ "Apple Mail, German",
	  FWD(DANA, "Fwd: Angebot", "> Anfang der weitergeleiteten Nachricht:\n"
	  ">\n> Von: Jana Vogel <jana@vogel-bau.de>\n> Betreff: Angebot\n"
	  "> Datum: 27. Oktober 2021 um 09:31:00 MESZ\n"
	  "> An: dana@example.com\n>\n> Guten Tag, wir brauchen ein Angebot.\n"),
	  "jana@vogel-bau.de", "Jana Vogel", "dana@example.com", NULL,
	  "Angebot", "2021-10-27T09:31:00+02", "wir brauchen", NULL, NULL, 0,
	  FALSE, FALSE },
	{ "Apple Mail, French: a zone as UTC+2",
	  FWD(DANA, "Fwd: Devis", "> D\xc3\xa9" "but du message r\xc3\xa9"
	  "exp\xc3\xa9" "di\xc3\xa9 :\n>\n> De: Jean Martin <jean@martin-sa.fr>\n"
	  "> Objet: Devis\n> Date: 27 octobre 2021 \xc3\xa0 10:31:00 UTC+3\n"
	  "> \xc3\x80: dana@example.com\n>\n> Bonjour, un devis svp.\n"),
	  "jean@martin-sa.fr", "Jean Martin", "dana@example.com", NULL, "Devis",
	  "2021-10-27T10:31:00+03", "un devis", NULL, NULL, 0, FALSE, FALSE },
	{ "Apple Mail, Spanish",
	  FWD(DANA, "Fwd: Presupuesto", "> Inicio del mensaje reenviado:\n>\n"
	  "> De: Lucía Gil <lucia@gil-sl.es>\n> Asunto: Presupuesto\n"
	  "> Fecha: 27 de octubre de 2021, 9:31:00 CEST\n"
	  "> Para: dana@example.com\n>\n> Hola, necesitamos un presupuesto.\n"),
	  "lucia@gil-sl.es", "Lucía Gil", "dana@example.com", NULL,
	  "Presupuesto", "2021-10-27T09:31:00+02", "necesitamos", NULL, NULL, 0,
	  FALSE, FALSE },
	{ "Thunderbird, English: an RFC 5322 date",
	  FWD(DANA, "Fwd: Quote for 20 robots", "\n\n\n"
	  "-------- Forwarded Message --------\n"
	  "Subject:\tQuote for 20 robots\n"
	  "Date:\tWed, 27 Oct 2021 09:31:00 +0100\n"
	  "From:\tJane Doe <jane@acme.de>\nTo:\tdana@example.com\n\n"
	  JANE_TEXT),
	  "jane@acme.de", "Jane Doe", "dana@example.com", NULL,
	  "Quote for 20 robots", "2021-10-27T09:31:00+01", "welding robots",
	  NULL, NULL, 0, FALSE, FALSE },
	{ "Thunderbird, German",
	  FWD(DANA, "Fwd: Angebot", "-------- Weitergeleitete Nachricht "
	  "--------\nBetreff: \tAngebot\nDatum: \tWed, 27 Oct 2021 09:31:00 "
	  "+0200\nVon: \tJana Vogel <jana@vogel-bau.de>\nAn: \tdana@example.com"
	  "\n\nGuten Tag, wir brauchen ein Angebot.\n"),
	  "jana@vogel-bau.de", "Jana Vogel", "dana@example.com", NULL,
	  "Angebot", "2021-10-27T09:31:00+02", "wir brauchen", NULL, NULL, 0,
	  FALSE, FALSE },
	{ "Thunderbird, French",
	  FWD(DANA, "Fwd: Devis", "-------- Message transf\xc3\xa9r\xc3\xa9 "
	  "--------\nSujet\xc2\xa0: \tDevis\n"
	  "Date\xc2\xa0: \tWed, 27 Oct 2021 09:31:00 +0200\n"
	  "De\xc2\xa0: \tJean Martin <jean@martin-sa.fr>\n"
	  "Pour\xc2\xa0: \tdana@example.com\n\nBonjour, un devis svp.\n"),
	  "jean@martin-sa.fr", "Jean Martin", "dana@example.com", NULL, "Devis",
	  "2021-10-27T09:31:00+02", "un devis", NULL, NULL, 0, FALSE, FALSE },
	{ "Thunderbird, Spanish",
	  FWD(DANA, "Fwd: Presupuesto", "-------- Mensaje reenviado --------\n"
	  "Asunto: \tPresupuesto\nFecha: \tWed, 27 Oct 2021 09:31:00 +0200\n"
	  "De: \tLucía Gil <lucia@gil-sl.es>\nPara: \tdana@example.com\n\n"
	  "Hola, necesitamos un presupuesto.\n"),
	  "lucia@gil-sl.es", "Lucía Gil", "dana@example.com", NULL,
	  "Presupuesto", "2021-10-27T09:31:00+02", "necesitamos", NULL, NULL, 0,
	  FALSE, FALSE },
	{ "a forwarded web form: its fields, not the block's",
	  FWD(DANA, "Fwd: New entry: Contact", "---------- Forwarded message "
	  "---------\nFrom: WPForms <wordpress@acme-shop.example>\n"
	  "Date: Wed, Oct 27, 2021 at 9:31 AM\nSubject: New entry: Contact\n"
	  "To: <dana@example.com>\n\nName\nJane Doe\n\nEmail\njane@acme.de\n\n"
	  "Company\nAcme GmbH\n\nMessage\nA quote for 20 robots, please.\n"),
	  "jane@acme.de", "Jane Doe", "dana@example.com", NULL,
	  "New entry: Contact", NULL, "20 robots", NULL, "Acme GmbH", 0,
	  FALSE, FALSE },
	{ "Outlook, HTML only",
	  "From: " DANA "\nTo: " TEAM_INBOX "\nSubject: FW: Quote\n"
	  "Date: Thu, 28 Oct 2021 08:00:00 +0200\nMIME-Version: 1.0\n"
	  "Content-Type: text/html; charset=utf-8\n\n<html><body>"
	  "<p class=MsoNormal>Please call her.</p><div style='border:none;"
	  "border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>"
	  "<p class=MsoNormal><b>From:</b> Jane Doe &lt;jane@acme.de&gt;<br>"
	  "<b>Sent:</b> Wednesday, October 27, 2021 9:31 AM<br><b>To:</b> "
	  "Dana Berg &lt;dana@example.com&gt;<br><b>Subject:</b> Quote</p>"
	  "</div><p class=MsoNormal>Hello, we need a quote for 20 welding "
	  "robots.</p></body></html>\n",
	  "jane@acme.de", "Jane Doe", "dana@example.com", NULL, "Quote",
	  "2021-10-27T09:31:00+02", "welding robots", "call her", NULL, 0,
	  FALSE, FALSE },
	{ "a forward of a forward: the first sender, the last forwarder",
	  FWD(DANA, "Fwd: Fwd: Angebot", "---------- Forwarded message "
	  "---------\nFrom: Erik Lund <erik@example.com>\n"
	  "Date: Wed, Oct 27, 2021 at 10:00 AM\nSubject: Fwd: Angebot\n"
	  "To: <dana@example.com>\n\nFor you.\n\n"
	  "---------- Forwarded message ---------\n"
	  "Von: Jana Vogel <jana@vogel-bau.de>\n"
	  "Date: Mi., 27. Okt. 2021 um 09:31 Uhr\nSubject: Angebot\n"
	  "To: <erik@example.com>\n\nGuten Tag, wir brauchen ein Angebot.\n"),
	  "jana@vogel-bau.de", "Jana Vogel", "dana@example.com", NULL,
	  "Angebot", "2021-10-27T09:31:00+02", "wir brauchen", "For you",
	  NULL, 0, FALSE, FALSE },
	{ "a colleague at the inbox's domain (no owner) forwards",
	  FWD("Max Reiter <max@example.com>", "Fwd: Quote", "---------- "
	  "Forwarded message ---------\nFrom: Jane Doe <jane@acme.de>\n"
	  "Date: Wed, Oct 27, 2021 at 9:31 AM\nSubject: Quote\n"
	  "To: <max@example.com>\n\n" JANE_TEXT),
	  "jane@acme.de", "Jane Doe", "max@example.com", NULL, "Quote", NULL,
	  "welding robots", NULL, NULL, 0, FALSE, FALSE },
	/* --- forwards, attached -------------------------------------------- */
	{ "forwarded as an attachment (message/rfc822), with a note",
	  "From: " DANA "\nTo: " TEAM_INBOX "\nSubject: Fwd: Quote\n"
	  "Date: Thu, 28 Oct 2021 08:00:00 +0200\nMIME-Version: 1.0\n"
	  "Content-Type: multipart/mixed; boundary=b1\n\n--b1\n"
	  "Content-Type: text/plain\n\nSee attached.\n--b1\n"
	  "Content-Type: message/rfc822\nContent-Disposition: attachment\n\n"
	  "From: Jane Doe <jane@acme.de>\nTo: dana@example.com\n"
	  "Subject: Quote\nDate: Wed, 27 Oct 2021 09:31:00 +0200\n"
	  "Message-ID: <orig@acme.de>\nContent-Language: de\n\n"
	  "Company: Acme GmbH\nPhone: +49 30 1234567\nEmployees: 250\n\n"
	  "We need a quote for 20 welding robots.\n--b1--\n",
	  "jane@acme.de", "Jane Doe", "dana@example.com", NULL, "Quote",
	  "2021-10-27T09:31:00+02", "welding robots", "See attached",
	  "Acme GmbH", 0, FALSE, FALSE },
	/* --- not forwards -------------------------------------------------- */
	{ "an owner's reply quoting the lead (RE:): not a forward",
	  FWD(DANA, "RE: Quote for 20 robots", "Hi Jane, gladly.\n\n"
	  "From: Jane Doe <jane@acme.de>\n"
	  "Sent: Wednesday, October 27, 2021 9:31 AM\n"
	  "To: sales@example.com\nSubject: Quote for 20 robots\n\n"
	  JANE_TEXT),
	  "dana@example.com", "Dana Berg", NULL, NULL,
	  "RE: Quote for 20 robots", NULL, "gladly", NULL, NULL, 0, FALSE, FALSE },
	{ "a stranger's mail with a forward block: the stranger's lead",
	  FWD("Eve <eve@evil.example>", "Fwd: Quote", "---------- Forwarded "
	  "message ---------\nFrom: Jane Doe <jane@acme.de>\n"
	  "Date: Wed, Oct 27, 2021 at 9:31 AM\nSubject: Quote\n"
	  "To: <dana@example.com>\n\n" JANE_TEXT),
	  "eve@evil.example", "Eve", NULL, NULL, "Fwd: Quote", NULL, NULL,
	  NULL, NULL, 0, FALSE, FALSE },
	{ "rules without inbox or owners: no one forwards",
	  FWD(DANA, "Fwd: Quote", "---------- Forwarded message ---------\n"
	  "From: Jane Doe <jane@acme.de>\nDate: Wed, Oct 27, 2021 at 9:31 AM\n"
	  "Subject: Quote\nTo: <dana@example.com>\n\n" JANE_TEXT),
	  "dana@example.com", "Dana Berg", NULL, NULL, "Fwd: Quote", NULL,
	  NULL, NULL, NULL, 0, FALSE, TRUE },
	{ "a forward block without an address: the forwarder's mail",
	  FWD(DANA, "FW: Call", "From: Jane Doe\nSent: Wednesday, October 27, "
	  "2021 9:31 AM\nTo: Dana Berg\nSubject: Call\n\nCall me.\n"),
	  "dana@example.com", "Dana Berg", NULL, NULL, "FW: Call", NULL, NULL,
	  NULL, NULL, 0, FALSE, FALSE },
	/* the attack review's: no forward, whatever the text holds */
	{ "an owner's reply (Re:) quoting a lead that holds a forward",
	  FWD(DANA, "Re: Quote", "Gladly.\n\nOn Mon, Jane wrote:\n> PS:\n"
	  "> ---------- Forwarded message ---------\n> From: Eve "
	  "<eve@elsewhere.example>\n> Date: Mon, Nov 23, 2026 at 8:15 AM\n"
	  "> Subject: x\n>\n> talk to them\n"),
	  "dana@example.com", "Dana Berg", NULL, NULL, "Re: Quote", NULL,
	  NULL, NULL, NULL, 0, FALSE, FALSE },
	{ "an Italian reply (RIF:) with an Outlook block",
	  FWD(DANA, "RIF: Quote", "Certo.\n\nDa: Jane Doe <jane@acme.de>\n"
	  "Inviato: lunedì 23 novembre 2026 09:00\nA: Dana\nOggetto: Quote\n"
	  "\n" JANE_TEXT),
	  "dana@example.com", "Dana Berg", NULL, NULL, "RIF: Quote", NULL,
	  NULL, NULL, NULL, 0, FALSE, FALSE },
	{ "a reply written Re[2]: is no forward",
	  FWD(DANA, "Re[2]: Quote", "Yes.\n\n---------- Forwarded message "
	  "---------\nFrom: Eve <eve@elsewhere.example>\nDate: Mon, Nov 23, "
	  "2026 at 8:15 AM\nSubject: x\n\nhi\n"),
	  "dana@example.com", "Dana Berg", NULL, NULL, "Re[2]: Quote", NULL,
	  NULL, NULL, NULL, 0, FALSE, FALSE },
	{ "a reply behind two tags, a full-width colon",
	  FWD(DANA, "[EXT] (Sales) RE\xef\xbc\x9a Quote", "Yes.\n\n"
	  "---------- Forwarded message ---------\nFrom: Eve "
	  "<eve@elsewhere.example>\nDate: Mon, Nov 23, 2026 at 8:15 AM\n"
	  "Subject: x\n\nhi\n"),
	  "dana@example.com", "Dana Berg", NULL, NULL,
	  "[EXT] (Sales) RE\xef\xbc\x9a Quote", NULL, NULL, NULL, NULL, 0,
	  FALSE, FALSE },
	{ "in a thread, not called a forward: a reply",
	  "From: " DANA "\nTo: " TEAM_INBOX "\nSubject: Quote\n"
	  "In-Reply-To: <lead-1@acme.de>\n\nYes.\n\n---------- Forwarded "
	  "message ---------\nFrom: Eve <eve@elsewhere.example>\nDate: Mon, "
	  "Nov 23, 2026 at 8:15 AM\nSubject: x\n\nhi\n",
	  "dana@example.com", "Dana Berg", NULL, NULL, "Quote", NULL, NULL,
	  NULL, NULL, 0, FALSE, FALSE },
	{ "a form tool at the team's domain writes what visitors type",
	  "From: Site <wordpress@example.com>\nTo: " TEAM_INBOX "\nReply-To: "
	  "mallory@evil.example\nSubject: Inquiry\n\nYour name: Mallory\n"
	  "Your email: mallory@evil.example\nCompany: Evil Ltd\nMessage: "
	  "see\n---------- Forwarded message ---------\nFrom: Pat "
	  "<pat@partner.example>\nDate: Mon, Nov 23, 2026 at 8:15 AM\n"
	  "Subject: x\n\nhello\n",
	  "mallory@evil.example", "Mallory", NULL, NULL, "Inquiry", NULL, NULL,
	  NULL, "Evil Ltd", 0, FALSE, FALSE },
	{ "an outsider the group relays (From rewritten) forwards nothing",
	  "From: \"'Mallory' via Sales\" <sales@example.com>\n"
	  "X-Original-From: Mallory <mallory@evil.example>\nTo: " TEAM_INBOX
	  "\nSubject: Fwd: Quote\nList-ID: <sales.example.com>\n\n"
	  "---------- Forwarded message ---------\nFrom: Natalie "
	  "<natalie@bigcustomer.example>\nDate: Mon, Nov 23, 2026 at 8:15 AM\n"
	  "Subject: Quote\n\nhello\n",
	  "mallory@evil.example", "Mallory", NULL, "sales@example.com",
	  "Fwd: Quote", NULL, NULL, NULL, NULL, 0, FALSE, FALSE },
	{ "a reply with a chat line is no transcript",
	  FWD(DANA, "RE: Project", "Hi Paul.\n\nChat with you soon, "
	  "paul.private@evil.example\n"),
	  "dana@example.com", "Dana Berg", NULL, NULL, "RE: Project", NULL,
	  NULL, NULL, NULL, 0, FALSE, FALSE },
	/* --- relays -------------------------------------------------------- */
	{ "Google Group that is the inbox, author's From kept",
	  "From: Jane Doe <jane@acme.de>\nTo: " TEAM_INBOX "\n"
	  "Subject: Quote\nSender: sales@example.com\n"
	  "Precedence: list\nMailing-list: list sales@example.com; contact "
	  "sales+owners@example.com\nList-ID: <sales.example.com>\n"
	  "X-Google-Group-Id: 304886998071\nList-Post: <https://groups.google"
	  ".com/a/example.com/group/sales/post>, <mailto:sales@example.com>\n"
	  "X-Original-Sender: jane@acme.de\n\n" JANE_TEXT,
	  "jane@acme.de", "Jane Doe", NULL, "sales@example.com", "Quote", NULL,
	  "welding robots", NULL, NULL, 0, FALSE, FALSE },
	{ "Google Group, From rewritten for DMARC ('Jane' via Sales)",
	  "From: \"'Jane Doe' via Sales\" <sales@example.com>\n"
	  "To: " TEAM_INBOX "\nSubject: Quote\n"
	  "X-Original-From: Jane Doe <jane@acme.de>\n"
	  "Reply-To: Jane Doe <jane@acme.de>\nPrecedence: list\n"
	  "Mailing-list: list sales@example.com; contact "
	  "sales+owners@example.com\nList-ID: <sales.example.com>\n\n"
	  JANE_TEXT,
	  "jane@acme.de", "Jane Doe", NULL, "sales@example.com", "Quote", NULL,
	  NULL, NULL, NULL, 0, FALSE, FALSE },
	{ "a rewritten From with only X-Original-Sender: the name of 'via'",
	  "From: \"'Jane Doe' via Sales\" <sales@example.com>\n"
	  "To: " TEAM_INBOX "\nSubject: Quote\n"
	  "X-Original-Sender: jane@acme.de\nList-ID: <sales.example.com>\n\n"
	  JANE_TEXT,
	  "jane@acme.de", "Jane Doe", NULL, "sales@example.com", "Quote", NULL,
	  NULL, NULL, NULL, 0, FALSE, FALSE },
	{ "a Google Workspace group of 2014: List-ID holds the address",
	  "From: Someone <someone@somewhere.example>\nTo: " TEAM_INBOX "\n"
	  "Subject: Quote\nPrecedence: list\nMailing-list: list "
	  "sales@example.com; contact sales+owners@example.com\n"
	  "List-ID: <sales@example.com>\n\n" JANE_TEXT,
	  "someone@somewhere.example", "Someone", NULL, "sales@example.com",
	  "Quote", NULL, NULL, NULL, NULL, 0, FALSE, FALSE },
	{ "a Microsoft 365 group (Sender: the group, no list headers)",
	  "From: Jane Doe <jane@acme.de>\nTo: Sales <" TEAM_INBOX ">\n"
	  "Sender: Sales <sales@example.com>\nSubject: Quote\n"
	  "X-MS-Exchange-Organization-Network-Message-Id: 1b2c\n"
	  "X-MS-Exchange-Inbox-Rules-Loop: sales@example.com\n\n" JANE_TEXT,
	  "jane@acme.de", "Jane Doe", NULL, NULL, "Quote", NULL,
	  "welding robots", NULL, NULL, 0, FALSE, FALSE },
	{ "another group's list mail stays machine mail",
	  "From: Jane Doe <jane@acme.de>\nTo: devs@lists.example.org\n"
	  "Subject: Release\nPrecedence: list\n"
	  "List-ID: <devs.lists.example.org>\n\nNew release.\n",
	  "jane@acme.de", "Jane Doe", NULL, NULL, "Release", NULL, NULL, NULL,
	  NULL, 1, FALSE, FALSE },
	{ "the inbox's group does not hide an auto-reply",
	  "From: Jane Doe <jane@acme.de>\nTo: " TEAM_INBOX "\nSubject: Away\n"
	  "Auto-Submitted: auto-replied\nList-ID: <sales.example.com>\n\n"
	  "I am away.\n",
	  "jane@acme.de", "Jane Doe", NULL, "sales@example.com", "Away", NULL,
	  NULL, NULL, NULL, 1, FALSE, FALSE },
	{ "the inbox's group does not hide bulk mail",
	  "From: News <news@shop.example>\nTo: " TEAM_INBOX "\nSubject: Sale\n"
	  "Precedence: bulk\nList-ID: <sales.example.com>\n\nSale!\n",
	  "news@shop.example", "News", NULL, "sales@example.com", "Sale", NULL,
	  NULL, NULL, NULL, 1, FALSE, FALSE },
	{ "without the inbox statement a group's mail is list mail",
	  "From: Jane Doe <jane@acme.de>\nTo: " TEAM_INBOX "\n"
	  "Subject: Quote\nPrecedence: list\nList-ID: <sales.example.com>\n\n"
	  JANE_TEXT,
	  "jane@acme.de", "Jane Doe", NULL, NULL, "Quote", NULL, NULL, NULL,
	  NULL, 1, FALSE, TRUE },
	/* --- a form that does not give the lead's address ------------------ */
	{ "a form from the site's own address, no email field, no Reply-To",
	  "From: WordPress <wordpress@example.com>\nTo: " TEAM_INBOX "\n"
	  "Subject: Callback request\n\nName: Jane Doe\n"
	  "Phone: +49 30 1234567\nCompany: Acme GmbH\nBest time: mornings\n",
	  NULL, "Jane Doe", NULL, NULL, "Callback request", NULL, NULL, NULL,
	  "Acme GmbH", 0, TRUE, FALSE },
	{ "a form tool's no-reply sender, no email field, no Reply-To",
	  "From: Jotform <noreply@jotform.example>\nTo: " TEAM_INBOX "\n"
	  "Subject: New submission\n\nName: Jane Doe\nPhone: +49 30 1234567\n"
	  "Company: Acme GmbH\n",
	  NULL, "Jane Doe", NULL, NULL, "New submission", NULL, NULL, NULL,
	  "Acme GmbH", 0, TRUE, FALSE },
	{ "a form tool's sender with Reply-To: the lead's address",
	  "From: Jotform <noreply@jotform.example>\nTo: " TEAM_INBOX "\n"
	  "Reply-To: Jane Doe <jane@acme.de>\nSubject: New submission\n\n"
	  "Name: Jane Doe\nPhone: +49 30 1234567\nCompany: Acme GmbH\n",
	  "jane@acme.de", "Jane Doe", NULL, NULL, "New submission", NULL, NULL,
	  NULL, "Acme GmbH", 0, FALSE, FALSE },
	{ "a person writing label lines is the lead",
	  "From: Jane Doe <jane@acme.de>\nTo: " TEAM_INBOX "\nSubject: Quote\n\n"
	  "Name: Jane Doe\nCompany: Acme GmbH\nPhone: +49 30 1234567\n",
	  "jane@acme.de", "Jane Doe", NULL, NULL, "Quote", NULL, NULL, NULL,
	  "Acme GmbH", 0, FALSE, FALSE },
	{ "a form whose email field is the inbox's: no lead address",
	  "From: Site <forms@acme-site.example>\nTo: " TEAM_INBOX "\n"
	  "Subject: Entry\n\nName: Jane Doe\nEmail: sales@example.com\n"
	  "Company: Acme GmbH\n",
	  NULL, "Jane Doe", NULL, NULL, "Entry", NULL, NULL, NULL, "Acme GmbH",
	  0, TRUE, FALSE },
};

static gboolean
same(const char *what, const char *field, const char *got, const char *want)
{
	if (g_strcmp0(got, want) == 0)
		return TRUE;
	print_error("%s: %s = %s, want %s\n", what, field, got ? got : "(none)",
	    want ? want : "(none)");
	return FALSE;
}

static gboolean
check(const struct fwd_case *c, const struct lead *l)
{
	gboolean ok = TRUE;
	const char *body = l->str[LF_BODY];

	ok &= same(c->what, "email", l->str[LF_EMAIL], c->email);
	ok &= same(c->what, "name", l->str[LF_NAME], c->name);
	ok &= same(c->what, "forwarded_by", l->forwarded_by, c->forwarded_by);
	ok &= same(c->what, "relayed_by", l->relayed_by, c->relayed_by);
	ok &= same(c->what, "subject", l->str[LF_SUBJECT], c->subject);
	if (c->company != NULL)
		ok &= same(c->what, "company", l->str[LF_COMPANY], c->company);
	if (c->date != NULL) {
		GDateTime *t = g_date_time_new_from_unix_utc(l->date);
		GTimeZone *tz = g_time_zone_new_identifier(l->str[LF_TZ] ?
		    l->str[LF_TZ] : "+0000");
		GDateTime *lt = g_date_time_to_timezone(t, tz);
		char *iso = g_date_time_format(lt, "%Y-%m-%dT%H:%M:%S%:::z");

		ok &= same(c->what, "date", iso, c->date);
		g_free(iso);
		g_date_time_unref(lt);
		g_date_time_unref(t);
		g_time_zone_unref(tz);
	}
	if (c->body_has != NULL && (body == NULL ||
	    strstr(body, c->body_has) == NULL)) {
		print_error("%s: body lacks \"%s\": %s\n", c->what, c->body_has,
		    body ? body : "(none)");
		ok = FALSE;
	}
	if (c->body_lacks != NULL && body != NULL &&
	    strstr(body, c->body_lacks) != NULL) {
		print_error("%s: body has \"%s\": %s\n", c->what, c->body_lacks,
		    body);
		ok = FALSE;
	}
	if (c->is_auto >= 0 && !l->is_auto != !c->is_auto) {
		print_error("%s: auto %d (%s), want %d\n", c->what, l->is_auto,
		    l->auto_why ? l->auto_why : "-", c->is_auto);
		ok = FALSE;
	}
	if (!l->no_address != !c->no_address) {
		print_error("%s: no_address %d, want %d\n", c->what,
		    l->no_address, c->no_address);
		ok = FALSE;
	}
	return ok;
}

/* The team above: its inbox and owners (free with team_free()). */
static struct lead_ctx
team_new(void)
{
	struct lead_ctx team = {
		.inbox = g_hash_table_new(g_str_hash, g_str_equal),
		.owners = g_hash_table_new(g_str_hash, g_str_equal),
	};

	g_hash_table_add(team.inbox, (gpointer)TEAM_INBOX);
	g_hash_table_add(team.inbox, (gpointer)"sales.team@gmail.com");
	g_hash_table_add(team.owners, (gpointer)"dana@example.com");
	g_hash_table_add(team.owners, (gpointer)"erik@example.com");
	return team;
}

static void
team_free(struct lead_ctx *team)
{
	g_hash_table_destroy(team->inbox);
	g_hash_table_destroy(team->owners);
}

static void
test_cases(void **state)
{
	struct lead_ctx team = team_new();
	guint failed = 0;

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct fwd_case *c = &cases[i];
		struct lead *l = lead_from_bytes(c->raw, strlen(c->raw),
		    c->bare ? NULL : &team);

		if (!check(c, l))
			failed++;
		lead_free(l);
	}
	team_free(&team);
	if (failed > 0)
		fail_msg("%u of %zu cases failed", failed, G_N_ELEMENTS(cases));
}

/* What else the team changes: who wrote it (an owner's reply the group
 * relays is the owner's), the forwarded message's language, the team's
 * own mail, a tool's notice without answers, an empty field. */
static const struct {
	const char *what, *raw, *author, *language;
	gboolean internal, no_address;
	const char *company;
} more[] = {
	{ "an owner's reply relayed by the group, From rewritten",
	  "From: \"'Dana Berg' via Sales\" <sales@example.com>\n"
	  "X-Original-From: Dana Berg <dana@example.com>\nTo: " TEAM_INBOX
	  "\nSubject: Re: Quote\nList-ID: <sales.example.com>\n"
	  "In-Reply-To: <lead-1@acme.de>\n\nThanks, will call you.\n",
	  "dana@example.com", NULL, TRUE, FALSE, NULL },
	{ "a forward keeps the forwarded message's language, not the "
	  "forwarder's Content-Language",
	  "From: " DANA "\nTo: " TEAM_INBOX "\nSubject: WG: Anfrage\n"
	  "Content-Language: en-US\n\nVon: Jana Vogel <jana@vogel-bau.de>\n"
	  "Gesendet: Mittwoch, 27. Oktober 2021 09:31\nAn: Dana Berg\n"
	  "Betreff: Anfrage\n\nGuten Tag, wir planen die Erweiterung unseres "
	  "Lagers in Linz und bitten um ein Angebot für die Montage.\n",
	  "jana@vogel-bau.de", "de", FALSE, FALSE, NULL },
	{ "a colleague's mail that forwards nothing is the team's own",
	  "From: Mike <mike@example.com>\nTo: jane@acme.de\nCc: " TEAM_INBOX
	  "\nSubject: Re: Quote\n\nHi Jane, here is our offer.\n",
	  "mike@example.com", NULL, TRUE, FALSE, NULL },
	{ "a form tool's notice without the answers",
	  "From: Google Forms <forms-receipts-noreply@google.com>\nTo: "
	  TEAM_INBOX "\nSubject: New response\n\nYour form Contact has a "
	  "new response. View it in Google Forms.\n",
	  "forms-receipts-noreply@google.com", NULL, FALSE, TRUE, NULL },
	{ "an inbox at a free-mail provider makes no user there the team's",
	  "From: Jane <jane@gmail.com>\nTo: sales.team@gmail.com\nSubject: "
	  "Quote\n\nHi, please call.\n\n---------- Forwarded message "
	  "---------\nFrom: Tom <tom@acme.example>\nDate: Mon, Nov 23, 2026 "
	  "at 8:15 AM\nSubject: x\n\nhello\n",
	  "jane@gmail.com", NULL, FALSE, FALSE, NULL },
	{ "a field left empty is no value",
	  "From: WPForms <wordpress@acme-shop.example>\nReply-To: "
	  "jane@acme.de\nTo: " TEAM_INBOX "\nSubject: New entry\n\n"
	  "Name: Jane Doe\nEmail: jane@acme.de\nCompany: (Empty)\n"
	  "Phone: (Empty)\n",
	  "wordpress@acme-shop.example", NULL, FALSE, FALSE, NULL },
};

static void
test_more(void **state)
{
	struct lead_ctx team = team_new();
	guint failed = 0;

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(more); i++) {
		struct lead *l = lead_from_bytes(more[i].raw,
		    strlen(more[i].raw), &team);
		gboolean ok = same(more[i].what, "author", l->author,
		    more[i].author);

		if (more[i].language != NULL)
			ok &= same(more[i].what, "language",
			    lead_language(l), more[i].language);
		ok &= same(more[i].what, "company", l->str[LF_COMPANY],
		    more[i].company);
		if (!l->internal != !more[i].internal ||
		    !l->no_address != !more[i].no_address) {
			print_error("%s: internal %d no_address %d\n",
			    more[i].what, l->internal, l->no_address);
			ok = FALSE;
		}
		failed += !ok;
		lead_free(l);
	}
	team_free(&team);
	if (failed > 0)
		fail_msg("%u cases failed", failed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_more),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
