/*
 * test_route.c: decisions (spec sections 4.3-4.6 and 7): ignore filters
 * in file order, dimension values (unknown, ambiguous, first, context
 * "new"), the first matching route, named owners and account owners and
 * their availability, team rotation at fixed moments across timezones,
 * review reasons, folders, and the next owner in an SLA chase. The
 * owners are tests/data/rules/owners.csv:
 *
 *   dana     Europe/Berlin      Mon-Fri 09:00-17:00  weight 1
 *   erik     America/New_York   Mon-Fri 09:00-17:00  weight 3
 *   fay      Asia/Tokyo         always               weight 3
 *   gus      inactive
 *   hana     away (no date)
 *   ivan     America/Los_Angeles, away_until 2026-03-02
 *   jo       max_per_day 2
 *   lee      Europe/London      Mon-Fri 09:00-17:00  team pool
 *   kim      UTC                always               team pool
 *   founder  Europe/Berlin      Mon-Fri 09:00-10:00
 *
 * 2026-03-02 is a Monday: Berlin is UTC+1, London UTC, New York UTC-5,
 * Los Angeles UTC-8, Tokyo UTC+9.
 */
#include "testlib.h"

#include "diag.h"
#include "lead.h"
#include "route.h"
#include "rules.h"

#define RULES_DIR	TEST_DATA_DIR "/rules"
#define MON		"2026-03-02T"	/* + "HH:MM:SSZ" */
#define SAT		"2026-03-07T"
#define NY_HOURS	"outside working hours (Mon-Fri 09:00-17:00 " \
	"America/New_York)"
#define BERLIN_HOURS	"outside working hours (Mon-Fri 09:00-17:00 " \
	"Europe/Berlin)"
#define LONDON_HOURS	"outside working hours (Mon-Fri 09:00-17:00 " \
	"Europe/London)"

/* Destinations picked by a marker in the subject. Line numbers matter. */
static const char RS_MAIN[] =
    "owners \"owners.csv\"\n"					/* 1 */
    "accounts \"accounts.csv\"\n"				/* 2 */
    "team rr members erik dana fay\n"				/* 3 */
    "team wt rotate weighted members dana erik fay\n"		/* 4 */
    "team wt2 rotate weighted members fay erik\n"		/* 5 */
    "team pool\n"						/* 6 */
    "team gone members gus hana ivan\n"				/* 7 */
    "team ll rotate least-loaded members dana jo fay\n"		/* 8 */
    "team capped members jo\n"					/* 9 */
    "queue nurture folder \"Custom/Nurture\" notify none\n"	/* 10 */
    "queue later\n"						/* 11 */
    "ignore if auto\n"						/* 12 */
    "ignore if header.\"X-Spam-Flag\" = \"YES\" reason \"spam\"\n" /* 13 */
    "ignore if subject contains \"unsubscribe\"\n"		/* 14 */
    "  or subject contains \"newsletter\"\n"			/* 15 */
    "ignore if spam\n"						/* 16 */
    "to rr if subject contains \"[rr]\"\n"			/* 17 */
    "to wt if subject contains \"[wt]\"\n"			/* 18 */
    "to wt2 if subject contains \"[wt2]\"\n"			/* 19 */
    "to pool if subject contains \"[pool]\"\n"			/* 20 */
    "to gone if subject contains \"[gone]\"\n"			/* 21 */
    "to ll if subject contains \"[ll]\"\n"			/* 22 */
    "to capped if subject contains \"[capped]\"\n"		/* 23 */
    "to gus if subject contains \"[gus]\"\n"			/* 24 */
    "to hana if subject contains \"[hana]\"\n"			/* 25 */
    "to ivan if subject contains \"[ivan]\"\n"			/* 26 */
    "to dana if subject contains \"[dana]\"\n"			/* 27 */
    "to acct if subject contains \"[acct]\"\n"			/* 28 */
    "to nurture if subject contains \"[nurture]\"\n"		/* 29 */
    "to later if subject contains \"[later]\"\n"		/* 30 */
    "to review if subject contains \"[review]\"\n"		/* 31 */
    "to trash if subject contains \"[trash]\"\n"		/* 32 */
    "route to=rr -> team rr\n"					/* 33 */
    "route to=wt -> team wt\n"					/* 34 */
    "route to=wt2 -> team wt2\n"				/* 35 */
    "route to=pool -> team pool\n"				/* 36 */
    "route to=gone -> team gone\n"				/* 37 */
    "route to=ll -> team ll\n"					/* 38 */
    "route to=capped -> team capped\n"				/* 39 */
    "route to=gus -> owner gus\n"				/* 40 */
    "route to=hana -> owner hana\n"				/* 41 */
    "route to=ivan -> owner ivan\n"				/* 42 */
    "route to=dana -> owner dana\n"				/* 43 */
    "route to=acct -> account-owner\n"				/* 44 */
    "route to=nurture -> queue nurture\n"			/* 45 */
    "route to=later -> queue later\n"				/* 46 */
    "route to=review -> review reason \"asked for review\"\n"	/* 47 */
    "route to=trash -> ignore\n"				/* 48 */
    "route to=ambiguous -> review reason \"two destinations\"\n"; /* 49 */

/* Dimensions: ambiguous, first, a class on two lines, context. */
static const char RS_DIMS[] =
    "offer consulting if text ~ /\\bconsult/i\n"		/* 1 */
    "offer impl if text ~ /\\bimplement/i\n"			/* 2 */
    "dimension region first\n"					/* 3 */
    "region emea if text ~ /\\beurope\\b/i\n"			/* 4 */
    "region amer if text ~ /\\bamerica\\b/i\n"			/* 5 */
    "region emea if text ~ /\\bemea\\b/i\n"			/* 6 */
    "context customer if text ~ /\\bcustomer\\b/i\n"		/* 7 */
    "route offer=ambiguous -> review reason \"more than one offer "
    "matched\"\n"						/* 8 */
    "route offer=unknown context=new -> queue later\n"		/* 9 */
    "route offer=consulting region!=emea -> queue con\n"	/* 10 */
    "route offer=consulting -> queue con-emea\n"		/* 11 */
    "route * -> review\n"					/* 12 */
    "queue later\n"
    "queue con\n"
    "queue con-emea\n";

/* Declared review and ignore folders; no context classes. */
static const char RS_FOLDERS[] =
    "owners \"owners.csv\"\n"					/* 1 */
    "review folder \"Triage\" sla 2h\n"				/* 2 */
    "ignore folder Trash\n"					/* 3 */
    "ignore if auto reason \"machine\"\n"			/* 4 */
    "queue q\n"							/* 5 */
    "to q if subject contains q\n"				/* 6 */
    "to t if subject contains t\n"				/* 7 */
    "route to=q -> queue q\n"					/* 8 */
    "route to=t -> ignore reason \"not for us\"\n"		/* 9 */
    "route to=unknown -> owner kim\n"				/* 10 */
    "route * -> review\n";					/* 11 */

struct route_case {
	const char *name;
	const char *rules;
	const char *from;
	const char *subject;
	const char *headers;	/* extra header lines, or NULL */
	const char *now;	/* ISO 8601 */
	const char *prefix;	/* NULL: default */
	const char *loads;	/* "id=n,...": leads today; NULL: no state */
	enum dest_kind kind;
	const char *id;
	const char *owner;
	const char *folder;
	const char *reason;
	int route_line;
	int ignore_line;
	const char *dims;	/* "dim=value ..."; NULL: not checked */
	const char *notes;	/* joined with " | "; NULL: not checked */
};

#define JANE	"Jane <jane@prospect.example>"
#define NOON	MON "12:00:00Z"

static const struct route_case route_cases[] = {
	/* ignore filters: file order, reasons */
	{ "ignore: first that matches", RS_MAIN, JANE, "[rr]",
	    "Auto-Submitted: auto-replied\nX-Spam-Flag: YES\n", NOON, NULL,
	    NULL, DEST_IGNORE, NULL, NULL, "Leads/Ignored", "ignore 12: auto",
	    0, 12, "to=rr context=new", "" },
	{ "ignore: reason written", RS_MAIN, JANE, "[rr]",
	    "X-Spam-Flag: YES\n", NOON, NULL, NULL, DEST_IGNORE, NULL, NULL,
	    "Leads/Ignored", "ignore 13: spam", 0, 13, NULL, NULL },
	{ "ignore: reason is the expression", RS_MAIN, JANE, "Newsletter",
	    NULL, NOON, NULL, NULL, DEST_IGNORE, NULL, NULL, "Leads/Ignored",
	    "ignore 14: subject contains \"unsubscribe\" or subject contains "
	    "\"newsletter\"", 0, 14, "to=unknown context=new", NULL },
	{ "ignore: later filter", RS_MAIN, JANE, "[dana]",
	    "X-Spam-Status: Yes, score=9\n", NOON, "Sales", NULL, DEST_IGNORE,
	    NULL, NULL, "Sales/Ignored", "ignore 16: spam", 0, 16, NULL,
	    NULL },
	{ "ignore: X-Spam-Flag NO", RS_MAIN, JANE, "[dana]",
	    "X-Spam-Flag: NO\nAuto-Submitted: no\n", NOON, NULL, NULL,
	    DEST_OWNER, "dana", "dana", "Leads/Owners/dana", "route 43", 43, 0,
	    NULL, NULL },
	/* no route, bad leads */
	{ "no route matched", RS_MAIN, JANE, "hello", NULL, NOON, NULL, NULL,
	    DEST_REVIEW, NULL, NULL, "Leads/Review", "no route matched", 0, 0,
	    "to=unknown context=new", "" },
	{ "no route, prefix", RS_MAIN, JANE, "hello", NULL, NOON, "Sales",
	    NULL, DEST_REVIEW, NULL, NULL, "Sales/Review", "no route matched",
	    0, 0, NULL, NULL },
	{ "ambiguous", RS_MAIN, JANE, "[rr] or [wt]", NULL, NOON, NULL, NULL,
	    DEST_REVIEW, NULL, NULL, "Leads/Review",
	    "route 49: two destinations", 49, 0, "to=ambiguous context=new",
	    NULL },
	{ "no From, no domain", RS_MAIN, NULL, "[acct]", NULL, NOON, NULL,
	    NULL, DEST_REVIEW, NULL, NULL, "Leads/Review",
	    "route 44: no account owner for a lead without a domain", 44, 0,
	    NULL, NULL },
	{ "no headers at all", RS_MAIN, NULL, NULL, NULL, NOON, NULL, NULL,
	    DEST_REVIEW, NULL, NULL, "Leads/Review", "no route matched", 0, 0,
	    "to=unknown context=new", NULL },
	{ "garbage From", RS_MAIN, "<<<@@@>>>", "[acct] \xff", NULL, NOON,
	    NULL, NULL, DEST_REVIEW, NULL, NULL, "Leads/Review", NULL, 44, 0,
	    NULL, NULL },
	/* round-robin in member order, skipping who is not available */
	{ "rr: start inclusive", RS_MAIN, JANE, "[rr]", NULL,
	    MON "08:00:00Z", NULL, NULL, DEST_TEAM, "rr", "dana",
	    "Leads/Owners/dana", "route 33", 33, 0, "to=rr context=new",
	    "erik skipped: " NY_HOURS },
	{ "rr: one second early", RS_MAIN, JANE, "[rr]", NULL,
	    MON "07:59:59Z", NULL, NULL, DEST_TEAM, "rr", "fay",
	    "Leads/Owners/fay", "route 33", 33, 0, NULL,
	    "erik skipped: " NY_HOURS " | dana skipped: " BERLIN_HOURS },
	{ "rr: first member", RS_MAIN, JANE, "[rr]", NULL, MON "14:00:00Z",
	    NULL, NULL, DEST_TEAM, "rr", "erik", "Leads/Owners/erik",
	    "route 33", 33, 0, NULL, "" },
	/* Every member away is noted, also after the pick. */
	{ "rr: prefix", RS_MAIN, JANE, "[rr]", NULL, MON "16:00:00Z",
	    "Sales", NULL, DEST_TEAM, "rr", "erik", "Sales/Owners/erik",
	    "route 33", 33, 0, NULL, "dana skipped: " BERLIN_HOURS },
	{ "rr: before the end", RS_MAIN, JANE, "[rr]", NULL, MON "21:59:59Z",
	    NULL, NULL, DEST_TEAM, "rr", "erik", "Leads/Owners/erik",
	    "route 33", 33, 0, NULL, NULL },
	{ "rr: at the end", RS_MAIN, JANE, "[rr]", NULL, MON "22:00:00Z",
	    NULL, NULL, DEST_TEAM, "rr", "fay", "Leads/Owners/fay",
	    "route 33", 33, 0, NULL,
	    "erik skipped: " NY_HOURS " | dana skipped: " BERLIN_HOURS },
	{ "rr: offset in now", RS_MAIN, JANE, "[rr]", NULL,
	    "2026-03-02T09:00:00+01:00", NULL, NULL, DEST_TEAM, "rr", "dana",
	    "Leads/Owners/dana", "route 33", 33, 0, NULL, NULL },
	{ "rr: saturday", RS_MAIN, JANE, "[rr]", NULL, SAT "14:00:00Z", NULL,
	    NULL, DEST_TEAM, "rr", "fay", "Leads/Owners/fay", "route 33", 33,
	    0, NULL, NULL },
	/* members from owners.csv, in its order */
	{ "pool: owners.csv order", RS_MAIN, JANE, "[pool]", NULL,
	    MON "10:00:00Z", NULL, NULL, DEST_TEAM, "pool", "lee",
	    "Leads/Owners/lee", "route 36", 36, 0, NULL, "" },
	{ "pool: first is off", RS_MAIN, JANE, "[pool]", NULL,
	    MON "17:00:00Z", NULL, NULL, DEST_TEAM, "pool", "kim",
	    "Leads/Owners/kim", "route 36", 36, 0, NULL,
	    "lee skipped: " LONDON_HOURS },
	/* weighted: the heaviest available, ties in member order */
	{ "weighted: tie", RS_MAIN, JANE, "[wt]", NULL, MON "14:00:00Z",
	    NULL, NULL, DEST_TEAM, "wt", "erik", "Leads/Owners/erik",
	    "route 34", 34, 0, NULL, "" },
	{ "weighted: tie, other order", RS_MAIN, JANE, "[wt2]", NULL,
	    MON "14:00:00Z", NULL, NULL, DEST_TEAM, "wt2", "fay",
	    "Leads/Owners/fay", "route 35", 35, 0, NULL, "" },
	{ "weighted: heaviest off", RS_MAIN, JANE, "[wt]", NULL,
	    MON "08:00:00Z", NULL, NULL, DEST_TEAM, "wt", "fay",
	    "Leads/Owners/fay", "route 34", 34, 0, NULL,
	    "erik skipped: " NY_HOURS },
	{ "weighted: loads do not matter", RS_MAIN, JANE, "[wt]", NULL,
	    MON "14:00:00Z", NULL, "erik=9,fay=0,dana=0", DEST_TEAM, "wt",
	    "erik", "Leads/Owners/erik", "route 34", 34, 0, NULL, "" },
	/* nobody available */
	{ "gone: no available owner", RS_MAIN, JANE, "[gone]", NULL, NOON,
	    NULL, NULL, DEST_REVIEW, NULL, NULL, "Leads/Review",
	    "route 37: no available owner in team gone", 37, 0, NULL,
	    "gus skipped: inactive | hana skipped: away | "
	    "ivan skipped: away until 2026-03-02" },
	{ "gone: away through the end of the day", RS_MAIN, JANE, "[gone]",
	    NULL, "2026-03-03T07:59:59Z", NULL, NULL, DEST_REVIEW, NULL, NULL,
	    "Leads/Review", "route 37: no available owner in team gone", 37, 0,
	    NULL, NULL },
	{ "gone: back the next day", RS_MAIN, JANE, "[gone]", NULL,
	    "2026-03-03T08:00:00Z", NULL, NULL, DEST_TEAM, "gone", "ivan",
	    "Leads/Owners/ivan", "route 37", 37, 0, NULL,
	    "gus skipped: inactive | hana skipped: away" },
	/* least-loaded and daily caps */
	{ "least-loaded", RS_MAIN, JANE, "[ll]", NULL, MON "14:00:00Z", NULL,
	    "dana=5,jo=1,fay=3", DEST_TEAM, "ll", "jo", "Leads/Owners/jo",
	    "route 38", 38, 0, NULL, "jo has the fewest leads in 24 h (1)" },
	{ "least-loaded: capped", RS_MAIN, JANE, "[ll]", NULL,
	    MON "14:00:00Z", NULL, "dana=5,jo=2,fay=3", DEST_TEAM, "ll", "fay",
	    "Leads/Owners/fay", "route 38", 38, 0, NULL,
	    "jo skipped: daily cap of 2 reached | "
	    "fay has the fewest leads in 24 h (3)" },
	{ "least-loaded: tie in member order", RS_MAIN, JANE, "[ll]", NULL,
	    MON "14:00:00Z", NULL, "dana=1,jo=1,fay=1", DEST_TEAM, "ll",
	    "dana", "Leads/Owners/dana", "route 38", 38, 0, NULL,
	    "dana has the fewest leads in 24 h (1)" },
	{ "least-loaded: no history", RS_MAIN, JANE, "[ll]", NULL,
	    MON "14:00:00Z", NULL, NULL, DEST_TEAM, "ll", "dana",
	    "Leads/Owners/dana", "route 38", 38, 0, NULL, "" },
	{ "capped: nobody left", RS_MAIN, JANE, "[capped]", NULL, NOON, NULL,
	    "jo=2", DEST_REVIEW, NULL, NULL, "Leads/Review",
	    "route 39: no available owner in team capped", 39, 0, NULL,
	    "jo skipped: daily cap of 2 reached" },
	{ "capped: under the cap", RS_MAIN, JANE, "[capped]", NULL, NOON,
	    NULL, "jo=1", DEST_TEAM, "capped", "jo", "Leads/Owners/jo",
	    "route 39", 39, 0, NULL, "" },
	/* named owners: status and away_until, never hours */
	{ "owner inactive", RS_MAIN, JANE, "[gus]", NULL, NOON, NULL, NULL,
	    DEST_REVIEW, NULL, NULL, "Leads/Review",
	    "route 40: owner gus unavailable (inactive)", 40, 0, NULL, NULL },
	{ "owner away", RS_MAIN, JANE, "[hana]", NULL, NOON, "Sales", NULL,
	    DEST_REVIEW, NULL, NULL, "Sales/Review",
	    "route 41: owner hana unavailable (away)", 41, 0, NULL, NULL },
	{ "owner away until", RS_MAIN, JANE, "[ivan]", NULL,
	    "2026-03-03T07:59:59Z", NULL, NULL, DEST_REVIEW, NULL, NULL,
	    "Leads/Review",
	    "route 42: owner ivan unavailable (away until 2026-03-02)", 42, 0,
	    NULL, NULL },
	{ "owner back", RS_MAIN, JANE, "[ivan]", NULL, "2026-03-03T08:00:00Z",
	    NULL, NULL, DEST_OWNER, "ivan", "ivan", "Leads/Owners/ivan",
	    "route 42", 42, 0, NULL, "" },
	{ "owner off hours", RS_MAIN, JANE, "[dana]", NULL, SAT "03:00:00Z",
	    NULL, NULL, DEST_OWNER, "dana", "dana", "Leads/Owners/dana",
	    "route 43", 43, 0, "to=dana context=new", "" },
	/* account owners: the domain or a parent domain */
	{ "account", RS_MAIN, "Al <al@acme.com>", "[acct]", NULL, NOON, NULL,
	    NULL, DEST_OWNER, "founder", "founder", "Leads/Owners/founder",
	    "route 44", 44, 0, NULL, "account acme.com is owned by founder" },
	{ "account subdomain", RS_MAIN, "Al <al@Shop.UK.acme.com>", "[acct]",
	    NULL, SAT "23:00:00Z", "Sales", NULL, DEST_OWNER, "founder",
	    "founder", "Sales/Owners/founder", "route 44", 44, 0, NULL,
	    "account shop.uk.acme.com is owned by founder" },
	{ "account www. stripped", RS_MAIN, "Al <al@globex.com>", "[acct]",
	    NULL, NOON, NULL, NULL, DEST_REVIEW, NULL, NULL, "Leads/Review",
	    "route 44: owner gus unavailable (inactive)", 44, 0, NULL, NULL },
	{ "account owner away", RS_MAIN, "Al <al@initech.example>", "[acct]",
	    NULL, NOON, NULL, NULL, DEST_REVIEW, NULL, NULL, "Leads/Review",
	    "route 44: owner ivan unavailable (away until 2026-03-02)", 44, 0,
	    NULL, NULL },
	{ "account miss", RS_MAIN, "Al <al@notacme.com>", "[acct]", NULL,
	    NOON, NULL, NULL, DEST_REVIEW, NULL, NULL, "Leads/Review",
	    "route 44: no account owner for notacme.com", 44, 0, NULL, NULL },
	{ "account free mail", RS_MAIN, "Al <al@gmail.com>", "[acct]", NULL,
	    NOON, NULL, NULL, DEST_REVIEW, NULL, NULL, "Leads/Review",
	    "route 44: no account owner for gmail.com", 44, 0, NULL, NULL },
	/* queues, review and ignore routes */
	{ "queue with folder", RS_MAIN, JANE, "[nurture]", NULL, NOON, NULL,
	    NULL, DEST_QUEUE, "nurture", NULL, "Custom/Nurture", "route 45",
	    45, 0, NULL, "" },
	{ "queue with folder, prefix", RS_MAIN, JANE, "[nurture]", NULL, NOON,
	    "Sales", NULL, DEST_QUEUE, "nurture", NULL, "Custom/Nurture",
	    "route 45", 45, 0, NULL, NULL },
	{ "queue default folder", RS_MAIN, JANE, "[later]", NULL, NOON, NULL,
	    NULL, DEST_QUEUE, "later", NULL, "Leads/Queues/later", "route 46",
	    46, 0, NULL, NULL },
	{ "queue default folder, prefix", RS_MAIN, JANE, "[later]", NULL,
	    NOON, "Sales/Inbound", NULL, DEST_QUEUE, "later", NULL,
	    "Sales/Inbound/Queues/later", "route 46", 46, 0, NULL, NULL },
	{ "review route", RS_MAIN, JANE, "[review]", NULL, NOON, NULL, NULL,
	    DEST_REVIEW, NULL, NULL, "Leads/Review",
	    "route 47: asked for review", 47, 0, NULL, NULL },
	{ "ignore route", RS_MAIN, JANE, "[trash]", NULL, NOON, NULL, NULL,
	    DEST_IGNORE, NULL, NULL, "Leads/Ignored", "route 48", 48, 0, NULL,
	    NULL },
	/* dimensions */
	{ "ambiguous offer", RS_DIMS, JANE, "consulting and implementation",
	    NULL, NOON, NULL, NULL, DEST_REVIEW, NULL, NULL, "Leads/Review",
	    "route 8: more than one offer matched", 8, 0,
	    "offer=ambiguous region=unknown context=new", NULL },
	{ "context new", RS_DIMS, JANE, "hello", NULL, NOON, NULL, NULL,
	    DEST_QUEUE, "later", NULL, "Leads/Queues/later", "route 9", 9, 0,
	    "offer=unknown region=unknown context=new", NULL },
	{ "context class", RS_DIMS, JANE, "hello from a customer", NULL, NOON,
	    NULL, NULL, DEST_REVIEW, NULL, NULL, "Leads/Review", "route 12",
	    12, 0, "offer=unknown region=unknown context=customer", NULL },
	{ "first class wins", RS_DIMS, JANE,
	    "consult America and Europe", NULL, NOON, NULL, NULL, DEST_QUEUE,
	    "con-emea", NULL, "Leads/Queues/con-emea", "route 11", 11, 0,
	    "offer=consulting region=emea context=new", NULL },
	{ "DIM!=VALUE", RS_DIMS, JANE, "consult America", NULL, NOON, NULL,
	    NULL, DEST_QUEUE, "con", NULL, "Leads/Queues/con", "route 10", 10,
	    0, "offer=consulting region=amer context=new", NULL },
	{ "DIM!=VALUE, unknown", RS_DIMS, JANE, "consult", NULL, NOON, NULL,
	    NULL, DEST_QUEUE, "con", NULL, "Leads/Queues/con", "route 10", 10,
	    0, "offer=consulting region=unknown context=new", NULL },
	{ "class on two lines", RS_DIMS, JANE, "consult EMEA", NULL, NOON,
	    NULL, NULL, DEST_QUEUE, "con-emea", NULL, "Leads/Queues/con-emea",
	    "route 11", 11, 0, "offer=consulting region=emea context=new",
	    NULL },
	/* declared folders */
	{ "declared ignore folder", RS_FOLDERS, JANE, "x",
	    "Precedence: bulk\n", NOON, "Sales", NULL, DEST_IGNORE, NULL,
	    NULL, "Trash", "ignore 4: machine", 0, 4, "to=unknown context=new",
	    NULL },
	{ "declared ignore folder, route", RS_FOLDERS, JANE, "t", NULL, NOON,
	    NULL, NULL, DEST_IGNORE, NULL, NULL, "Trash",
	    "route 9: not for us", 9, 0, NULL, NULL },
	{ "declared review folder", RS_FOLDERS, JANE, "q and t", NULL, NOON,
	    "Sales", NULL, DEST_REVIEW, NULL, NULL, "Triage", "route 11", 11,
	    0, "to=ambiguous context=new", NULL },
	{ "prefix for owners", RS_FOLDERS, JANE, "x", NULL, NOON, "Sales",
	    NULL, DEST_OWNER, "kim", "kim", "Sales/Owners/kim", "route 10", 10,
	    0, NULL, NULL },
	{ "prefix for queues", RS_FOLDERS, JANE, "q", NULL, NOON, "Sales",
	    NULL, DEST_QUEUE, "q", NULL, "Sales/Queues/q", "route 8", 8, 0,
	    NULL, NULL },
};

/* --- helpers ---------------------------------------------------------- */

static guint
leads_today(void *ctx, const struct owner *o, GDateTime *now)
{
	(void)now;
	return GPOINTER_TO_UINT(g_hash_table_lookup(ctx, o->id));
}

/* "dana=5,jo=1" as a table of id -> count. */
static GHashTable *
parse_loads(const char *s)
{
	GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	char **kv = g_strsplit(s, ",", -1);

	for (guint i = 0; kv[i] != NULL; i++) {
		char **p = g_strsplit(kv[i], "=", 2);
		guint64 n = 0;

		assert_non_null(p[1]);
		assert_true(g_ascii_string_to_unsigned(p[1], 10, 0, 1000, &n,
		    NULL));
		g_hash_table_insert(t, g_strdup(p[0]),
		    GUINT_TO_POINTER((guint)n));
		g_strfreev(p);
	}
	g_strfreev(kv);
	return t;
}

static char *
build_message(const struct route_case *tc)
{
	GString *s = g_string_new(NULL);

	if (tc->from != NULL)
		g_string_append_printf(s, "From: %s\n", tc->from);
	if (tc->subject != NULL)
		g_string_append_printf(s, "Subject: %s\n", tc->subject);
	if (tc->headers != NULL)
		g_string_append(s, tc->headers);
	g_string_append(s, "\nHello.\n");
	return g_string_free(s, FALSE);
}

static char *
dump_dims(const struct decision *dc)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < dc->dims->len; i++) {
		const struct dim_value *dv = g_ptr_array_index(dc->dims, i);

		g_string_append_printf(s, "%s%s=%s", i > 0 ? " " : "",
		    dv->name, dv->value);
	}
	return g_string_free(s, FALSE);
}

static char *
join(GPtrArray *a)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < a->len; i++)
		g_string_append_printf(s, "%s%s", i > 0 ? " | " : "",
		    (const char *)g_ptr_array_index(a, i));
	return g_string_free(s, FALSE);
}

static struct ruleset *
load(const char *text)
{
	struct diag *d = diag_new();
	struct ruleset *rs = rules_parse(text, strlen(text), "t.rules",
	    RULES_DIR, d);

	for (guint i = 0; diag_errors(d) > 0 && i < diag_count(d); i++)
		print_message("%s\n", diag_get(d, i));
	assert_int_equal(diag_errors(d), 0);
	diag_free(d);
	return rs;
}

static void
assert_str_or_null(const char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

static void
check_decision(const struct route_case *tc, const struct decision *dc)
{
	char *s;

	assert_int_equal(dc->kind, tc->kind);
	assert_str_or_null(dc->id, tc->id);
	assert_str_or_null(dc->owner, tc->owner);
	assert_str_or_null(dc->folder, tc->folder);
	if (tc->reason != NULL)
		assert_string_equal(dc->reason, tc->reason);
	assert_non_null(dc->reason);
	assert_int_equal(dc->route_line, tc->route_line);
	assert_int_equal(dc->ignore_line, tc->ignore_line);
	if (tc->route_line > 0) {
		assert_non_null(dc->route);
		assert_int_equal(dc->route->line, tc->route_line);
	} else
		assert_null(dc->route);
	if (tc->dims != NULL) {
		s = dump_dims(dc);
		assert_string_equal(s, tc->dims);
		g_free(s);
	}
	if (tc->notes != NULL) {
		s = join(dc->notes);
		assert_string_equal(s, tc->notes);
		g_free(s);
	}
}

static void
test_route(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(route_cases); i++) {
		const struct route_case *tc = &route_cases[i];
		struct ruleset *rs = load(tc->rules);
		char *msg = build_message(tc);
		struct lead *l = lead_from_bytes(msg, strlen(msg), &rs->lead);
		GDateTime *now = g_date_time_new_from_iso8601(tc->now, NULL);
		GHashTable *loads = tc->loads != NULL ?
		    parse_loads(tc->loads) : NULL;
		/* the same loads for today and the last 24 hours */
		struct route_state st = { .leads_today = leads_today,
		    .leads_24h = leads_today, .ctx = loads };
		struct decision *dc;

		print_message("route: %s\n", tc->name);
		assert_non_null(now);
		dc = route_decide(rs, l, now, tc->prefix, loads != NULL ?
		    &st : NULL);
		check_decision(tc, dc);
		/* Deciding changes nothing: the same answer twice. */
		decision_free(dc);
		dc = route_decide(rs, l, now, tc->prefix, loads != NULL ?
		    &st : NULL);
		check_decision(tc, dc);
		decision_free(dc);
		if (loads != NULL)
			g_hash_table_destroy(loads);
		g_date_time_unref(now);
		lead_free(l);
		g_free(msg);
		rules_free(rs);
	}
}

/* Dimension values in detail: the class line, what matched, candidates,
 * and the implicit context. */
static void
test_dims(void **state)
{
	static const char msg[] = "From: a@b.example\nSubject: Consulting "
	    "or an implementation for a customer in Europe and America?\n\n"
	    "x\n";
	struct ruleset *rs = load(RS_DIMS);
	struct lead *l = lead_from_bytes(msg, strlen(msg), NULL);
	GDateTime *now = g_date_time_new_from_iso8601(NOON, NULL);
	struct decision *dc = route_decide(rs, l, now, NULL, NULL);
	const struct dim_value *dv;
	char *s;

	(void)state;
	dv = decision_dim(dc, "offer");
	assert_string_equal(dv->value, "ambiguous");
	assert_ptr_equal(dv->dim, rules_dimension(rs, "offer"));
	assert_int_equal(dv->line, 0);
	assert_int_equal(dv->candidates->len, 2);
	assert_string_equal(g_ptr_array_index(dv->candidates, 0),
	    "consulting");
	assert_string_equal(g_ptr_array_index(dv->candidates, 1), "impl");
	s = join(dv->matched);
	assert_string_equal(s, "Consult | implement");
	g_free(s);

	dv = decision_dim(dc, "region");
	assert_string_equal(dv->value, "emea");
	assert_int_equal(dv->line, 4);
	assert_int_equal(dv->candidates->len, 1);
	s = join(dv->matched);
	assert_string_equal(s, "Europe");
	g_free(s);

	dv = decision_dim(dc, "context");
	assert_string_equal(dv->value, "customer");
	assert_int_equal(dv->line, 7);
	assert_non_null(dv->dim);
	assert_null(decision_dim(dc, "tier"));
	assert_int_equal(dc->kind, DEST_REVIEW);
	assert_string_equal(dc->reason, "route 8: more than one offer matched");
	decision_free(dc);
	rules_free(rs);

	/* Without context classes: "new", no dimension, no line. */
	lead_free(l);
	l = lead_from_bytes("Subject: x\n\nx\n", 14, NULL);
	rs = load(RS_FOLDERS);
	dc = route_decide(rs, l, now, NULL, NULL);
	dv = decision_dim(dc, "context");
	assert_non_null(dv);
	assert_null(dv->dim);
	assert_string_equal(dv->value, "new");
	assert_int_equal(dv->line, 0);
	assert_int_equal(dv->matched->len, 0);
	assert_int_equal(dv->candidates->len, 0);
	dv = decision_dim(dc, "to");
	assert_string_equal(dv->value, "unknown");
	assert_int_equal(dv->line, 0);
	decision_free(dc);
	rules_free(rs);

	g_date_time_unref(now);
	lead_free(l);
}

/* The rules with no routes at all, and routes on an unknown dimension
 * value: still a decision. */
static void
test_minimal(void **state)
{
	static const char *const texts[] = {
		"",
		"# nothing\n",
		"ignore folder x\n",
		"route * -> ignore\n",
	};
	static const enum dest_kind kinds[] = {
		DEST_REVIEW, DEST_REVIEW, DEST_REVIEW, DEST_IGNORE
	};
	static const char msg[] = "Subject: x\n\nx\n";
	GDateTime *now = g_date_time_new_from_iso8601(NOON, NULL);
	struct lead *l = lead_from_bytes(msg, strlen(msg), NULL);

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(texts); i++) {
		struct ruleset *rs = load(texts[i]);
		struct decision *dc = route_decide(rs, l, now, NULL, NULL);
		char *dims = dump_dims(dc);

		print_message("minimal: %s\n", texts[i]);
		assert_int_equal(dc->kind, kinds[i]);
		assert_string_equal(dims, "context=new");
		assert_string_equal(dc->folder, i == 3 ? "Leads/Ignored" :
		    "Leads/Review");
		assert_string_equal(dc->reason, i == 3 ? "route 1" :
		    "no route matched");
		g_free(dims);
		decision_free(dc);
		rules_free(rs);
	}
	decision_free(NULL);
	lead_free(l);
	g_date_time_unref(now);
}

/*
 * A test that cannot be evaluated (a regex past PCRE's backtracking
 * limit) decides nothing: review, with the rule's line and why; neither
 * the ignore it belongs to, nor its `not`, nor a class that follows it
 * takes the lead (an attack review: counted as "no match", then `not`
 * turned it into one).
 */
static void
test_unevaluable(void **state)
{
	static const char *const texts[] = {
		"ignore if body ~ /(.*a){25}/ reason \"a lot\"\n"
		    "route * -> ignore\n",
		"ignore if not body ~ /(.*a){25}/ reason \"not a lot\"\n"
		    "route * -> ignore\n",
		"offer x if body ~ /(.*a){25}/\nroute offer=unknown -> ignore\n",
		"offer x if not body ~ /(.*a){25}/\nroute offer=x -> ignore\n",
	};
	GDateTime *now = g_date_time_new_from_iso8601(NOON, NULL);
	char *msg = g_strdup_printf("Subject: x\n\n%s\n",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	struct lead *l = lead_from_bytes(msg, strlen(msg), NULL);

	(void)state;
	/* each without the one-pass scan, then with it (scan.h): it finds
	 * that the text may match, so PCRE decides, and gives up */
	for (gsize i = 0; i < 2 * G_N_ELEMENTS(texts); i++) {
		struct ruleset *rs = load(texts[i / 2]);
		struct decision *dc;

		if (i % 2 == 1)
			rules_scan_build(rs);
		dc = route_decide(rs, l, now, NULL, NULL);
		print_message("unevaluable%s: %s", i % 2 ? ", scanned" : "",
		    texts[i / 2]);
		assert_int_equal(dc->kind, DEST_REVIEW);
		assert_string_equal(dc->folder, "Leads/Review");
		assert_true(g_str_has_prefix(dc->reason, "line 1: the rule "
		    "cannot be evaluated for this lead ("));
		assert_non_null(strstr(dc->reason, "limit"));
		decision_free(dc);
		rules_free(rs);
	}
	lead_free(l);
	g_free(msg);
	g_date_time_unref(now);
}

/* Folder names: the prefix (NULL: the default), the rules' own folders. */
static void
test_folder_names(void **state)
{
	struct ruleset *plain = load(RS_DIMS), *own = load(RS_FOLDERS);
	struct {
		char *got;
		const char *want;
	} t[] = {
		{ route_owners_folder(NULL), "Leads/Owners" },
		{ route_owners_folder("Sales"), "Sales/Owners" },
		{ route_owner_folder(NULL, "dana"), "Leads/Owners/dana" },
		{ route_owner_folder("Sales", "dana"), "Sales/Owners/dana" },
		{ route_review_folder(plain, NULL), "Leads/Review" },
		{ route_review_folder(plain, "Sales"), "Sales/Review" },
		{ route_review_folder(own, "Sales"), "Triage" },
		{ route_ignore_folder(plain, NULL), "Leads/Ignored" },
		{ route_ignore_folder(own, NULL), "Trash" },
		{ route_failed_folder(NULL), "Leads/Failed" },
		{ route_failed_folder("Sales"), "Sales/Failed" },
		{ route_failed_folder(""), "/Failed" },
	};

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(t); i++) {
		assert_string_equal(t[i].got, t[i].want);
		g_free(t[i].got);
	}
	rules_free(plain);
	rules_free(own);
}

/* --- the SLA chase ----------------------------------------------------- */

/* Teams to chase in, each with its escalation (or none). */
static const char RS_CHASE[] =
    "owners \"owners.csv\"\n"
    "team a members erik dana fay escalate founder\n"
    "team away members dana escalate hana\n"
    "team gone members dana escalate gus\n"
    "team none members dana fay\n"
    "team capped members jo dana escalate jo\n"
    "route * -> review\n";

struct chase_case {
	const char *name;
	const char *team;	/* NULL: the lead has no team */
	const char *had;	/* "id,...": who had the lead already */
	const char *now;	/* ISO 8601 */
	const char *loads;	/* "id=n,...": leads today; NULL: none */
	const char *away;	/* an owner the journal saw away; NULL: none */
	const char *next;	/* NULL: nobody is left */
	gboolean escalation;
};

static const struct chase_case chase_cases[] = {
	/* the team's rotation first, among those who have not had it */
	{ "next member", "a", "erik", NOON, NULL, NULL, "dana", FALSE },
	{ "skips who had it", "a", "erik,dana", NOON, NULL, NULL, "fay",
	    FALSE },
	{ "skips who is off", "a", "fay", NOON, NULL, NULL, "dana", FALSE },
	{ "skips who is away", "a", "erik", NOON, NULL, "dana", "fay", FALSE },
	/* then the escalation: hours and caps do not count */
	{ "escalation", "a", "erik,dana,fay", NOON, NULL, NULL, "founder",
	    TRUE },
	{ "escalation off hours", "a", "fay", SAT "12:00:00Z", NULL, NULL,
	    "founder", TRUE },
	{ "escalation over the cap", "capped", "dana", NOON, "jo=2", NULL,
	    "jo", TRUE },
	{ "member under the cap", "capped", "dana", NOON, "jo=1", NULL, "jo",
	    FALSE },
	/* nobody left */
	{ "escalation had it", "a", "erik,dana,fay,founder", NOON, NULL,
	    NULL, NULL, FALSE },
	{ "escalation away", "a", "erik,dana,fay", NOON, NULL, "founder",
	    NULL, FALSE },
	{ "escalation away by status", "away", "dana", NOON, NULL, NULL,
	    NULL, FALSE },
	{ "escalation inactive", "gone", "dana", NOON, NULL, NULL, NULL,
	    FALSE },
	{ "no escalation", "none", "dana,fay", NOON, NULL, NULL, NULL,
	    FALSE },
	{ "no team", NULL, "dana", NOON, NULL, NULL, NULL, FALSE },
	/* malformed: ids nobody knows in what was had */
	{ "unknown ids had", "a", "erik,,nobody", NOON, NULL, NULL, "dana",
	    FALSE },
};

struct chase_ctx {
	GHashTable *loads;	/* id -> leads today */
	const char *away;	/* away for a day from now, or NULL */
	gint64 now;
};

static guint
chase_today(void *ctx, const struct owner *o, GDateTime *now)
{
	const struct chase_ctx *c = ctx;

	return c->loads != NULL ? leads_today(c->loads, o, now) : 0;
}

static gint64
chase_away(void *ctx, const struct owner *o, char **why)
{
	const struct chase_ctx *c = ctx;

	*why = NULL;
	return g_strcmp0(c->away, o->id) == 0 ? c->now + 86400 : 0;
}

static void
test_chase(void **state)
{
	struct ruleset *rs = load(RS_CHASE);

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(chase_cases); i++) {
		const struct chase_case *tc = &chase_cases[i];
		GDateTime *now = g_date_time_new_from_iso8601(tc->now, NULL);
		struct chase_ctx c = { tc->loads != NULL ?
		    parse_loads(tc->loads) : NULL, tc->away,
		    g_date_time_to_unix(now) };
		struct route_state st = { chase_today, NULL, NULL, NULL,
		    chase_away, &c };
		const struct team *t = tc->team != NULL ?
		    g_hash_table_lookup(rs->teams, tc->team) : NULL;
		GHashTable *had = g_hash_table_new_full(g_str_hash, g_str_equal,
		    g_free, NULL);
		char **ids = g_strsplit(tc->had, ",", -1);
		const struct owner *next;
		gboolean escalation = !tc->escalation;

		print_message("chase: %s\n", tc->name);
		assert_true(tc->team == NULL || t != NULL);
		for (guint k = 0; ids[k] != NULL; k++)
			g_hash_table_add(had, g_strdup(ids[k]));
		next = route_chase_next(rs, t, now, &st, had, &escalation);
		assert_str_or_null(next != NULL ? next->id : NULL, tc->next);
		assert_int_equal(escalation, tc->escalation);
		g_strfreev(ids);
		g_hash_table_destroy(had);
		if (c.loads != NULL)
			g_hash_table_destroy(c.loads);
		g_date_time_unref(now);
	}
	rules_free(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_dims),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_unevaluable),
		cmocka_unit_test(test_folder_names),
		cmocka_unit_test(test_chase),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
