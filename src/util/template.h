/*
 * template.h: the message templates (spec section 8): forward.subject,
 * forward.txt, slack.json, review.txt, escalation.txt, webhook.json.
 *
 * Syntax (documented for users in templates/README):
 *   {{ name }}            a value, escaped for where it lands
 *   {{#name}}...{{/name}}  the inside only when name has a non-empty value
 *   {{^name}}...{{/name}}  the inside only when it has none
 *   {{! comment }}        left out (may span lines)
 * Names are dotted: lead.company, owner.name, dimensions.offer; a form
 * label or header name that is not a plain word is quoted as in the
 * rules: lead.form."Project budget", lead.header."X-Campaign". A tag
 * alone on its line (section, comment) takes its line with it.
 *
 * The renderer knows no lead, owner or decision: it asks a lookup
 * callback for each name, so it can be tested alone and filled by
 * whoever holds the data. A missing value renders empty.
 *
 * The caller owns what is returned unless stated.
 */
#ifndef LR_TEMPLATE_H
#define LR_TEMPLATE_H

#include <glib.h>

#include "diag.h"

#define TEMPLATE_MAX_SIZE	65536	/* bytes in a template file */
#define TEMPLATE_MAX_DEPTH	8	/* nested sections */
#define TEMPLATE_MAX_VALUE	65536	/* bytes kept of one value */
#define TEMPLATE_MAX_SLACK_VALUE 300	/* characters of one value in Slack:
					 * escaped (x5 at worst) it still fits
					 * a block field (2,000) */
#define TEMPLATE_MAX_HEADER	900	/* bytes of a rendered header */
#define TEMPLATE_EXCERPT	400	/* characters of lead.excerpt */

/* How each value is escaped; the file decides (template_mode_of). */
enum template_mode {
	TEMPLATE_TEXT,		/* as is (invalid UTF-8 replaced) */
	TEMPLATE_HEADER,	/* one line: CR, LF and controls become spaces,
				 * runs of white space collapse, trimmed */
	TEMPLATE_JSON,		/* JSON string escapes; placeholders must sit
				 * inside string literals */
	TEMPLATE_SLACK		/* & < > as &amp; &lt; &gt;, then as JSON */
};

struct template;

/*
 * The values. lookup returns a newly allocated UTF-8 string that the
 * renderer frees, or NULL when the lead has no such value. name is
 * canonical: segments joined by '.', quotes removed
 * ("lead.form.Project budget"). ctx is passed through.
 *
 * Two names are computed by the renderer and never looked up:
 *   lead.excerpt   lead.message, else lead.body, cut to TEMPLATE_EXCERPT
 *                  characters at a word boundary;
 *   owner.mention  in Slack "<@ID>" when owner.slack is a plain Slack id,
 *                  else owner.name; owner.name in other modes.
 */
struct template_vars {
	char *(*lookup)(void *ctx, const char *name);
	void *ctx;
};

/*
 * Parse a template. Syntax errors (unclosed "{{", malformed names,
 * unbalanced sections, a JSON placeholder outside a string, invalid
 * UTF-8) go to d as FILE:LINE:COL errors, all in one pass; what cannot
 * be parsed is kept as text. name is the file name used in messages.
 * Never NULL: the caller treats new errors in d as fatal.
 */
struct template *template_parse(const char *text, gsize len,
    const char *name, enum template_mode mode, struct diag *d);
/* Read and parse a file; NULL (with an error in d) when unreadable or
 * larger than TEMPLATE_MAX_SIZE. */
struct template *template_load(const char *path, enum template_mode mode,
    struct diag *d);
void template_free(struct template *t);

/*
 * Report every unknown variable as "unknown variable 'x'" at its line and
 * column; for JSON and Slack templates also check that the output is
 * valid JSON with every value present and with every value missing.
 * Returns the number of errors added.
 */
guint template_check(const struct template *t, struct diag *d);

/* Is name (canonical) a variable templates may use? */
gboolean template_known_var(const char *name);

/* Render t. Never NULL; always valid UTF-8. */
char *template_render(const struct template *t,
    const struct template_vars *v);

/*
 * text as a header value: unchanged when ASCII, else RFC 2047 encoded
 * words (UTF-8). g_mime_init() must have been called.
 */
char *template_header_encode(const char *utf8);

/* The mode for a template file: *.subject is HEADER, slack*.json is
 * SLACK, other *.json JSON, anything else TEXT. */
enum template_mode template_mode_of(const char *path);

/* The template files leadroute uses, NULL-terminated (static). */
const char *const *template_files(void);

#endif
