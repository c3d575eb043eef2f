/*
 * html.h: HTML bodies, read with libxml2's HTML parser: the text a person
 * would see, and the label/value pairs of form-notification layouts
 * (two-column table rows, a label row followed by a value row as Gravity
 * Forms writes them, <dl> lists). Input is UTF-8 (the MIME layer has
 * converted it). The caller owns what is returned.
 */
#ifndef LR_HTML_H
#define LR_HTML_H

#include <glib.h>

#define HTML_MAX_BYTES	(2 * 1024 * 1024)	/* HTML parsed of one part */
#define HTML_MAX_DEPTH	256			/* element nesting walked */

struct html_doc;

struct html_doc *html_parse(const char *html, gsize len);
void html_free(struct html_doc *h);

/*
 * The visible text: scripts, styles, comments and <head> dropped; block
 * elements, <br> and table rows give line breaks; cells are separated by
 * a tab; white space collapsed as a browser would. With drop_quotes,
 * <blockquote> and Gmail/Outlook/Yahoo quoted-reply containers (and what
 * follows an Outlook reply header block) are left out.
 */
char *html_text(struct html_doc *h, gboolean drop_quotes);
/* Form pairs (struct form_pair *, see form.h), at most max. */
GPtrArray *html_form_pairs(struct html_doc *h, guint max);

#endif
